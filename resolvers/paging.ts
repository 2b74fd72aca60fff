/**
 * Relay connections over offset paging: opaque cursors that carry an offset,
 * and pages cut from upstream `limit`/`offset` results or from an in-memory
 * group.
 */
import { BadUserInputError } from '../src/request/errors.js';

/** Page sizes of connections. */
export const ROOT_PAGE = { defaultSize: 20, maxSize: 1000 } as const;
export const NESTED_PAGE = { defaultSize: 20, maxSize: 100 } as const;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  /** Undefined when the field's selection does not read it (it was not counted). */
  totalCount: number | undefined;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PREFIX = 'offset:';
export const encodeCursor = (offset: number): string => Buffer.from(`${PREFIX}${offset}`).toString('base64url');

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const offset = Number(text.slice(PREFIX.length));
  if (!text.startsWith(PREFIX) || !Number.isSafeInteger(offset) || offset < 0) {
    throw new BadUserInputError(`after: "${cursor}" is not a cursor of this connection`);
  }
  return offset;
}

/** `first`/`after` as the offset and limit to ask for. */
export function pageWindow(args: PageArgs, sizes: { defaultSize: number; maxSize: number }): { offset: number; limit: number } {
  const first = args.first ?? sizes.defaultSize;
  if (!Number.isSafeInteger(first) || first < 0 || first > sizes.maxSize) {
    throw new BadUserInputError(`first must be between 0 and ${sizes.maxSize}, got ${first}`);
  }
  const offset = args.after ? decodeCursor(args.after) + 1 : 0;
  return { offset, limit: first };
}

/**
 * A page of `items`, which start at `offset` in a list of `totalCount`; when
 * that is not known (not asked for), `hasNextPage` says whether items follow.
 */
export function toPage<T>(items: T[], offset: number, totalCount: number | undefined, hasNextPage = offset + items.length < (totalCount ?? 0)): Page<T> {
  const edges = items.map((node, index) => ({ cursor: encodeCursor(offset + index), node }));
  return {
    edges,
    nodes: items,
    totalCount,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

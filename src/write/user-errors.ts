/**
 * Per-item errors of writes (Shopify's `userErrors`): a code, a message and
 * the path of the input field at fault, from the arguments down
 * (`["inputs", "3", "client"]`).
 */
import { GraphQLError } from 'graphql';
import type { ItemError } from '../contract/types.js';
import { toGraphQLError } from '../request/errors.js';

export const USER_ERROR_CODES = ['BAD_USER_INPUT', 'FORBIDDEN', 'NOT_FOUND', 'THROTTLED', 'UPSTREAM_ERROR', 'UPSTREAM_UNCERTAIN'] as const;
/**
 * - BAD_USER_INPUT: the gateway or Upsales rejected a value (nothing written)
 * - FORBIDDEN: the caller's role may not write this item (nothing written)
 * - NOT_FOUND: the item to update or delete does not exist, or is not visible
 * - THROTTLED: the account's call budget refused the call (nothing written)
 * - UPSTREAM_ERROR: Upsales failed; the item was not written
 * - UPSTREAM_UNCERTAIN: Upsales did not answer; the item may have been written
 */
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

export interface UserError {
  /** The item's position in the batch input; null for single-item mutations. */
  index: number | null;
  /** Path of the input field at fault, from the argument name down; null when no one field is at fault. */
  field: string[] | null;
  message: string;
  code: UserErrorCode;
}

/** An input problem found before any upstream call. */
export class InputProblem extends Error {
  constructor(readonly field: string[], message: string, readonly code: UserErrorCode = 'BAD_USER_INPUT') {
    super(message);
  }
}

const ITEM_CODE: Record<string, UserErrorCode> = {
  VALIDATION_ERROR: 'BAD_USER_INPUT',
  ACCESS_DENIED: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  THROTTLED: 'THROTTLED',
};

/** An upstream per-item error; only codes whose messages are written for callers keep their text. */
export function fromItemError(error: ItemError | undefined, field: string[] | null): Omit<UserError, 'index'> {
  const code = ITEM_CODE[error?.code ?? ''] ?? 'UPSTREAM_ERROR';
  const message = code === 'UPSTREAM_ERROR' ? 'Upsales failed to write this item' : error?.message ?? 'Upsales rejected this item';
  return { code, message, field };
}

/** Whether a failed call may still have been carried out upstream (no answer, or an unreadable one). */
export function mayHaveHappened(error: unknown): boolean {
  // An UpstreamError, or the coded GraphQL error the request's client turned it into.
  const kind = error instanceof GraphQLError ? error.extensions.upstreamCode : (error as { kind?: string } | null)?.kind;
  return kind === 'TIMEOUT' || kind === 'UNREACHABLE' || kind === 'PROTOCOL';
}

/**
 * A failed call as the error of each item it carried. Failures that concern
 * the caller rather than the items (bad credentials, no API access) and
 * unexpected errors are thrown, as whole-field errors.
 */
export function fromCallError(error: unknown): Omit<UserError, 'index' | 'field'> {
  const mapped = toGraphQLError(error);
  if (!(mapped instanceof GraphQLError)) throw mapped;
  const code = mapped.extensions.code as string;
  if (code === 'UNAUTHENTICATED' || mapped.extensions.upstreamCode === 'API_ACCESS_DENIED') throw mapped;
  return {
    code: (USER_ERROR_CODES as readonly string[]).includes(code) ? (code as UserErrorCode) : 'UPSTREAM_ERROR',
    message: mapped.message,
  };
}

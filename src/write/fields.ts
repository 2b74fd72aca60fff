/**
 * What a write may carry, from the kinds table: every field that is neither
 * read-only nor the id, under its GraphQL name. The input types and the
 * input conversion both walk these.
 */
import { KINDS, STRUCTS, type FieldSpec, type ItemKind } from '../contract/kinds.js';

export interface WriteField {
  /** Wire name (`orderRow`, `customfield`, `users`). */
  wire: string;
  /** GraphQL input name (`rows`, `customFields`, `accountManagers`). */
  name: string;
  spec: FieldSpec;
}

/** The writable fields of a spec table, in table order. */
export function writableFields(fields: Record<string, FieldSpec>): WriteField[] {
  return Object.entries(fields)
    .filter(([, spec]) => !spec.readOnly && spec.type !== 'id')
    .map(([wire, spec]) => ({ wire, name: spec.gql ?? wire, spec }));
}

export const kindFields = (kind: ItemKind): Record<string, FieldSpec> => KINDS[kind].fields as Record<string, FieldSpec>;

/**
 * An upstream field path (`client.id`, `orderRow[2].product.id`, `custom.12`)
 * as the path of the GraphQL input field: wire names become GraphQL names,
 * reference ids become the reference. Rows of an update are sent merged, so
 * their positions are not the caller's: only `rows` is kept.
 */
export function inputPath(fields: Record<string, FieldSpec>, wirePath: string | undefined, mergedRows = false): string[] | null {
  if (!wirePath) return null;
  if (wirePath.startsWith('custom.')) return ['customFields'];
  const path: string[] = [];
  let specs: Record<string, FieldSpec> | undefined = fields;
  for (const segment of wirePath.split('.')) {
    const match = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(segment);
    if (!match || !specs) break;
    const spec: FieldSpec | undefined = specs[match[1]];
    if (!spec) {
      if (match[1] !== 'id') path.push(match[1]);
      break;
    }
    path.push(spec.gql ?? match[1]);
    if (spec.type === 'struct' && spec.struct === 'OrderRow' && mergedRows) break;
    if (match[2] !== undefined) path.push(match[2]);
    specs = spec.type === 'struct' ? STRUCTS[spec.struct] as Record<string, FieldSpec> : undefined;
  }
  return path.length ? path : null;
}

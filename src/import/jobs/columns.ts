/**
 * What a column (or JSONL key) of an import writes, from the kinds table:
 * a field by its GraphQL or wire name (`accountManagers` or `users`), a
 * reference by id (`client`, `client.id`) or by a key of the item it points
 * at (`client.orgNo`), a custom field (`custom.<alias or id>`), or nothing
 * (`-`). An explicit mapping names the path of a column: `Org nr=client.orgNo`.
 */
import { KINDS, type FieldSpec, type ItemKind } from '../../contract/kinds.js';
import { preview } from '../../request/input-text.js';
import { kindFields, writableFields, type WriteField } from '../../write/fields.js';

export type ColumnTarget =
  | { type: 'ignore' }
  | { type: 'field'; field: WriteField }
  /** A reference given by a key of its target: one lookup per batch of distinct values. */
  | { type: 'refKey'; field: WriteField; target: ItemKind; key: string }
  | { type: 'custom'; ref: string };

export class MappingError extends Error {}

/** The field of `fields` named `name` (GraphQL name, wire name, or either ignoring case). */
export function findField(fields: Record<string, FieldSpec>, name: string): WriteField | undefined {
  const writable = writableFields(fields);
  return writable.find((f) => f.name === name || f.wire === name)
    ?? writable.find((f) => f.name.toLowerCase() === name.toLowerCase() || f.wire.toLowerCase() === name.toLowerCase());
}

/** A scalar field of a kind that can be searched by value (a match or reference key). */
export function keyField(kind: ItemKind, name: string): { wire: string; name: string } | undefined {
  const fields = KINDS[kind].fields as Record<string, FieldSpec>;
  const entry = Object.entries(fields).find(([wire, spec]) => wire === name || spec.gql === name)
    ?? Object.entries(fields).find(([wire, spec]) => wire.toLowerCase() === name.toLowerCase() || spec.gql?.toLowerCase() === name.toLowerCase());
  if (!entry) return undefined;
  const [wire, spec] = entry;
  if (!['string', 'int', 'float', 'date', 'id'].includes(spec.type)) return undefined;
  return { wire, name: spec.gql ?? wire };
}

/** The target of a field path within `fields` (a kind's, or order rows'). */
export function resolvePath(fields: Record<string, FieldSpec>, path: string): ColumnTarget | undefined {
  const trimmed = path.trim();
  if (trimmed === '-' || trimmed === '') return { type: 'ignore' };
  const custom = /^(?:custom|customFields?)\.(.+)$/i.exec(trimmed);
  if (custom && 'customfield' in fields) return { type: 'custom', ref: custom[1] };
  const direct = findField(fields, trimmed);
  if (direct) return { type: 'field', field: direct };
  const dot = trimmed.indexOf('.');
  if (dot < 0) return undefined;
  const field = findField(fields, trimmed.slice(0, dot));
  const rest = trimmed.slice(dot + 1);
  if (!field) return undefined;
  const spec = field.spec;
  if (spec.type === 'struct' && spec.struct === 'Stage' && rest === 'id') return { type: 'field', field };
  if (spec.type !== 'ref' && spec.type !== 'refs') return undefined;
  if (rest === 'id' || rest === 'upsalesId') return { type: 'field', field };
  if (!(spec.target in KINDS)) return undefined;
  const target = spec.target as ItemKind;
  const key = keyField(target, rest);
  if (!key) throw new MappingError(`${preview(path)}: ${KINDS[target].typeName} has no field ${preview(rest)} to look it up by`);
  return { type: 'refKey', field, target, key: key.wire };
}

/**
 * Resolves column names with a mapping, caching per name. Unknown columns
 * are reported by name.
 */
export class ColumnPlan {
  private readonly cache = new Map<string, ColumnTarget | undefined>();

  /** The columns of an import of `kind` (throws {@link MappingError} for a mapping to no writable field). */
  static forKind(kind: ItemKind, mapping?: Record<string, string>): ColumnPlan {
    return new ColumnPlan(kindFields(kind), mapping);
  }

  constructor(readonly fields: Record<string, FieldSpec>, private readonly mapping: Record<string, string> = {}) {
    for (const [column, path] of Object.entries(mapping)) {
      if (this.target(column) === undefined) throw new MappingError(`The mapping ${preview(`${column}=${path}`)} names no writable field`);
    }
  }

  target(column: string): ColumnTarget | undefined {
    // Own keys only: a column named "constructor" is not Object's.
    if (!this.cache.has(column)) this.cache.set(column, resolvePath(this.fields, Object.hasOwn(this.mapping, column) ? this.mapping[column] : column));
    return this.cache.get(column);
  }
}

/**
 * The shapes of everything the adapter reads from or writes to the wire,
 * derived from the contract tables (KINDS, STRUCTS, META_KINDS). One walker
 * ({@link decode}, {@link encode} in normalize.ts) handles them all.
 */
import { KINDS, META_KINDS, STRUCTS, type FieldSpec, type ItemKind, type MetaKind, type ScalarType } from '../contract/kinds.js';

export type Shape = ScalarShape | RecordShape;
interface ShapeCommon {
  /** Repeated element: decoded as an array, always. */
  list?: boolean;
  /** Never sent on writes. */
  readOnly?: boolean;
  /** An empty list is left out when writing, instead of sent as xsi:nil ("clear"). */
  omitEmpty?: boolean;
}
export interface ScalarShape extends ShapeCommon {
  scalar: ScalarType;
}
export interface RecordShape extends ShapeCommon {
  fields: Record<string, Shape>;
}

const scalar = (type: ScalarType, common: ShapeCommon = {}): ScalarShape => ({ scalar: type, ...common });
const record = (fields: Record<string, Shape>, common: ShapeCommon = {}): RecordShape => ({ fields, ...common });

const REF = record({ id: scalar('int'), name: scalar('string', { readOnly: true }) });
const CUSTOM_FIELD_VALUE = record({ fieldId: scalar('int'), value: scalar('string') });

function fieldShape(spec: FieldSpec): Shape {
  const common: ShapeCommon = spec.readOnly ? { readOnly: true } : {};
  switch (spec.type) {
    case 'ref': return { ...REF, ...common };
    case 'refs': return { ...REF, ...common, list: true };
    case 'struct': return record(fieldsShape(STRUCTS[spec.struct]), { ...common, list: spec.list });
    case 'customfields': return { ...CUSTOM_FIELD_VALUE, ...common, list: true };
    default: return scalar(spec.type, common);
  }
}

function fieldsShape(fields: Record<string, FieldSpec>): Record<string, Shape> {
  return Object.fromEntries(Object.entries(fields).map(([name, spec]) => [name, fieldShape(spec)]));
}

const itemShapes = new Map<ItemKind, RecordShape>();
/** One item of a kind, as in its XSD type. */
export function itemShape(kind: ItemKind): RecordShape {
  let shape = itemShapes.get(kind);
  if (!shape) {
    shape = record(fieldsShape(KINDS[kind].fields));
    itemShapes.set(kind, shape);
  }
  return shape;
}

const ITEM_ERROR = record({ code: scalar('string'), message: scalar('string'), field: scalar('string') });

/** Request arguments other than criteria queries. */
export const requestArgs = {
  items: (kind: ItemKind) => record({ items: { ...itemShape(kind), list: true, omitEmpty: true } }),
  ids: record({ ids: scalar('int', { list: true, omitEmpty: true }) }),
  id: record({ id: scalar('int') }),
  customFieldKind: record({ kind: scalar('string') }),
};

/** The response wrapper of each item operation. */
export const responseShapes = {
  getAll: (kind: ItemKind) => record({ items: { ...itemShape(kind), list: true } }),
  getByCriteria: (kind: ItemKind) => record({ total: scalar('int'), items: { ...itemShape(kind), list: true } }),
  get: (kind: ItemKind) => record({ item: itemShape(kind) }),
  create: (kind: ItemKind) => writeResults(kind),
  update: (kind: ItemKind) => writeResults(kind),
  delete: () => record({
    results: record({ index: scalar('int'), id: scalar('int'), success: scalar('boolean'), error: ITEM_ERROR }, { list: true }),
  }),
};

function writeResults(kind: ItemKind): RecordShape {
  return record({
    results: record({ index: scalar('int'), success: scalar('boolean'), item: itemShape(kind), error: ITEM_ERROR }, { list: true }),
  });
}

/** The `getByCriteria` request: criteria, sort, paging. */
export const CRITERIA_QUERY = record({
  criteria: record({ field: scalar('string'), operator: scalar('string'), values: scalar('string', { list: true, omitEmpty: true }) }, { list: true, omitEmpty: true }),
  sort: record({ field: scalar('string'), descending: scalar('boolean') }, { list: true, omitEmpty: true }),
  limit: scalar('int'),
  offset: scalar('int'),
});

/** What metadata records carry beyond their META_KINDS scalars. */
const META_EXTRA: Partial<Record<MetaKind, Record<string, Shape>>> = {
  role: {
    rights: record({ kind: scalar('string'), access: scalar('string'), change: scalar('string'), delete: scalar('string') }, { list: true }),
  },
  customFieldDefinition: { options: scalar('string', { list: true }) },
};

/** The `items` list of a metadata operation's response. */
export function metadataResponseShape(meta: MetaKind): RecordShape {
  const scalars = Object.fromEntries(Object.entries(META_KINDS[meta].fields).map(([name, type]) => [name, scalar(type as ScalarType)]));
  return record({ items: record({ ...scalars, ...META_EXTRA[meta] }, { list: true }) });
}

/**
 * The TypeScript shapes of what the kinds table describes, derived from it
 * (`KINDS`, `STRUCTS` and `META_KINDS` are `as const`): an item of a kind, a
 * structure, a metadata entry. Types only, so the embedded service and the
 * gateway may both use them; a field added to the table changes them.
 */
import type { FieldSpec, ItemKind, KINDS, META_KINDS, MetaKind, ScalarType, STRUCTS, StructName } from './kinds.js';
import type { CustomFieldValue, Metadata, Ref } from './types.js';

/** What a scalar of each field type is on the wire. */
export interface ScalarShapes {
  id: number;
  string: string;
  text: string;
  int: number;
  float: number;
  boolean: boolean;
  date: string;
  datetime: string;
}

/** The value of a field of spec `S`. */
export type FieldShape<S extends FieldSpec> =
  S extends { type: 'ref' } ? Ref
    : S extends { type: 'refs' } ? Ref[]
      : S extends { type: 'struct'; struct: infer N extends StructName; list: true } ? StructShape<N>[]
        : S extends { type: 'struct'; struct: infer N extends StructName } ? StructShape<N>
          : S extends { type: 'customfields' } ? CustomFieldValue[]
            : S extends { type: infer T extends ScalarType } ? ScalarShapes[T]
              : never;

/**
 * A record with the fields of a spec table, by wire name. Any may be absent
 * (not set, or not read) or null (xsi:nil, cleared).
 */
export type ShapeOf<Fields extends Record<string, FieldSpec>> = { [F in keyof Fields]?: FieldShape<Fields[F]> | null };

/** A structure nested in items (an address, an order row, an order's stage). */
export type StructShape<N extends StructName> = ShapeOf<(typeof STRUCTS)[N]>;

/** An item of kind `K` as it crosses the wire. */
export type ItemShape<K extends ItemKind> = ShapeOf<(typeof KINDS)[K]["fields"]>;

/** `getOrderStages` -> `orderStages`: the list of {@link Metadata} a metadata kind is served in. */
export type MetaListName<M extends MetaKind> = M extends MetaKind
  ? (typeof META_KINDS)[M]['operation'] extends `get${infer List}` ? Uncapitalize<List> & keyof Metadata : never
  : never;

/** An entry of metadata kind `M`, as the metadata service serves it. */
export type MetaEntry<M extends MetaKind> = M extends MetaKind ? Metadata[MetaListName<M>][number] : never;

/**
 * The one seam where the schema's types give way to the kinds table.
 *
 * Generated fields (item and structure fields, metadata fields, relations)
 * read their parent's wire fields by names taken from the table at run time.
 * The shape of each parent is derived from the same table
 * (src/contract/item-shapes.ts), but the compiler cannot tie a name known only
 * at run time to the type its FieldSpec gives it; so the table (and the
 * adapter, which builds wire records from it) vouches for the value instead.
 * Fields written by hand read their typed parents directly; nothing else in
 * schema/ is `any` or reads around its types.
 */

/** The wire field `name` of `record`, typed as the kinds table says it is. */
export function wireField<T>(record: object, name: string): T {
  return (record as { readonly [name: string]: T })[name];
}

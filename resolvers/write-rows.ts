/**
 * Order rows in an update: Upsales takes the whole row list (a row keeps its
 * id when sent with it, rows left out are removed), so the rows to create,
 * change and remove are merged into the item's current rows.
 */
import { STRUCTS } from '../src/contract/kinds.js';
import { mergeCustomValues, type WireCustomValue } from '../src/write/custom-fields.js';
import { InputProblem } from '../src/write/user-errors.js';
import { convertFields, type ConvertEnv, type RowsUpdateInput, type WireItem } from '../src/write/inputs.js';

type Row = WireItem & { id?: number; customfield?: { fieldId: number; value: string }[] };

/**
 * The full row list to send: the current rows (changed, less the removed
 * ones), then the new ones. Unknown row ids are problems of the input.
 */
export function mergeRows(current: Row[], input: RowsUpdateInput, path: string[], env: ConvertEnv): Row[] {
  const rowEnv = { ...env, setName: 'orderRow' };
  const rows = new Map(current.map((row) => [row.id, { ...row }]));
  const touched = new Set<number>();
  const claim = (id: number, at: string[]): boolean => {
    if (!rows.has(id)) {
      env.problems.push(new InputProblem(at, `Order row ${id} is not a row of this item`, 'NOT_FOUND'));
      return false;
    }
    if (touched.has(id)) {
      env.problems.push(new InputProblem(at, `Order row ${id} is changed or removed more than once`));
      return false;
    }
    touched.add(id);
    return true;
  };
  for (const [i, id] of (input.delete ?? []).entries()) {
    if (claim(id, [...path, 'delete', String(i)])) rows.delete(id);
  }
  for (const [i, change] of (input.update ?? []).entries()) {
    const at = [...path, 'update', String(i)];
    const id = change.id as number;
    if (!claim(id, [...at, 'id'])) continue;
    const patch = convertFields(STRUCTS.OrderRow, change, 'update', at, rowEnv) as Row;
    const row = rows.get(id)!;
    const { customfield, ...rest } = patch;
    Object.assign(row, rest);
    if (customfield) row.customfield = mergeCustomValues(row.customfield ?? [], customfield as unknown as WireCustomValue[]);
  }
  const created = (input.create ?? []).map((row, i) => convertFields(STRUCTS.OrderRow, row, 'create', [...path, 'create', String(i)], rowEnv) as Row);
  return [...rows.values(), ...created];
}

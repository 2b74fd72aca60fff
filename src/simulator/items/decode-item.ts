/**
 * Reads an item from its request XML into a patch of stored values, checking
 * every value against the kinds table. In a patch, a missing key means
 * "unchanged" and `null` (xsi:nil) means "clear".
 */
import { STRUCTS, type FieldSpec, type ItemKind, type MetaKind } from '../../contract/kinds.js';
import { childNamed, isNil, type XmlElement } from '../xml/parse-xml.js';
import type { Store } from '../store.js';
import { FieldError, checkCustomValue, parseInt32, parseScalar } from './scalars.js';

export type Patch = Record<string, unknown>;
/** A custom value in a patch; `value: null` removes the field. */
export interface CustomPatch { fieldId: number; value: string | null }

const isList = (spec: FieldSpec): boolean =>
  spec.type === 'refs' || spec.type === 'customfields' || (spec.type === 'struct' && spec.list);

function decodeRefId(el: XmlElement, target: ItemKind | MetaKind, field: string, store: Store): number {
  const idEl = childNamed(el, 'id');
  if (!idEl || isNil(idEl)) throw new FieldError(`${field}.id`, `${field}: a reference needs an id`);
  const id = parseInt32(idEl.text, `${field}.id`);
  if (!store.exists(target, id)) throw new FieldError(`${field}.id`, `${field}: ${target} ${id} does not exist`);
  return id;
}

function decodeCustom(el: XmlElement, field: string, customFieldKind: string, store: Store): CustomPatch {
  const idEl = childNamed(el, 'fieldId');
  if (!idEl) throw new FieldError(`${field}.fieldId`, `${field}: fieldId is required`);
  const fieldId = parseInt32(idEl.text, `${field}.fieldId`);
  const def = store.customFieldsById.get(fieldId);
  const name = `custom.${fieldId}`;
  if (!def || def.kind !== customFieldKind) throw new FieldError(name, `custom field ${fieldId} does not exist for ${customFieldKind}`);
  if (!def.editable) throw new FieldError(name, `custom field ${def.name} is not editable`);
  const valueEl = childNamed(el, 'value');
  if (!valueEl || isNil(valueEl) || valueEl.text === '') return { fieldId, value: null };
  return { fieldId, value: checkCustomValue(def, valueEl.text, name, (id) => store.exists('user', id)) };
}

function decodeValue(spec: FieldSpec, el: XmlElement, field: string, store: Store, customFieldKind: string): unknown {
  switch (spec.type) {
    case 'ref': case 'refs': return decodeRefId(el, spec.target, field, store);
    case 'customfields': return decodeCustom(el, field, customFieldKind, store);
    case 'struct': {
      const value = decodeFields(STRUCTS[spec.struct], el, `${field}.`, store, spec.struct === 'OrderRow' ? 'orderRow' : customFieldKind);
      for (const [name, sub] of Object.entries(STRUCTS[spec.struct] as Record<string, FieldSpec>)) {
        if (sub.required && value[name] == null) throw new FieldError(`${field}.${name}`, `${field}.${name} is required`);
      }
      if (spec.struct === 'Stage' && !store.stage(value.id as number)) throw new FieldError(`${field}.id`, `order stage ${String(value.id)} does not exist`);
      return value;
    }
    default: return parseScalar(spec.type, el.text, field, spec.maxLength);
  }
}

/**
 * Decodes the child elements of `el` against `fields`. Read-only fields are
 * ignored, except ids (the caller decides what an id means).
 */
export function decodeFields(fields: Record<string, FieldSpec>, el: XmlElement, prefix: string, store: Store, customFieldKind: string): Patch {
  const patch: Patch = {};
  const counts = new Map<string, number>();
  for (const child of el.children) {
    const spec = fields[child.name];
    const field = `${prefix}${child.name}`;
    if (!spec) throw new FieldError(field, `unknown field ${field}`);
    if (spec.readOnly && spec.type !== 'id') continue;
    const index = counts.get(child.name) ?? 0;
    counts.set(child.name, index + 1);
    if (!isList(spec)) {
      if (index > 0) throw new FieldError(field, `${field} given more than once`);
      patch[child.name] = isNil(child) ? null : decodeValue(spec, child, field, store, customFieldKind);
      continue;
    }
    if (isNil(child)) {
      if (index > 0 || el.children.some((c) => c !== child && c.name === child.name)) throw new FieldError(field, `${field}: xsi:nil must be the only element of a list`);
      patch[child.name] = null;
      continue;
    }
    const listField = spec.type === 'refs' || spec.type === 'struct' ? `${field}[${index}]` : field;
    const list = (patch[child.name] as unknown[] | undefined) ?? [];
    list.push(decodeValue(spec, child, listField, store, customFieldKind));
    patch[child.name] = list;
  }
  return patch;
}

/** Writes a stored record out as a wire item, in the XSD's field order; unset fields are left out. */
import { KINDS, STRUCTS, type FieldSpec, type ItemKind } from '../../contract/kinds.js';
import type { Item } from '../../contract/types.js';
import type { Store } from '../store.js';

function encodeValue(spec: FieldSpec, value: unknown, store: Store): unknown {
  switch (spec.type) {
    case 'ref': return { id: value, ...refName(store, spec.target, value as number) };
    case 'refs': return (value as number[]).map((id) => ({ id, ...refName(store, spec.target, id) }));
    case 'customfields': return value;
    case 'struct': {
      const encode = (v: Record<string, unknown>): Record<string, unknown> => {
        const out = encodeFields(STRUCTS[spec.struct], v, store);
        if (spec.struct === 'Stage') {
          const stage = store.stage(v.id as number);
          if (stage) Object.assign(out, { name: stage.name, probability: stage.probability });
        }
        return out;
      };
      return spec.list ? (value as Record<string, unknown>[]).map(encode) : encode(value as Record<string, unknown>);
    }
    default: return value;
  }
}

function refName(store: Store, target: Parameters<Store['refName']>[0], id: number): { name?: string } {
  const name = store.refName(target, id);
  return name === null ? {} : { name };
}

function encodeFields(fields: Record<string, FieldSpec>, rec: Record<string, unknown>, store: Store): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(fields)) {
    const value = rec[name];
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) continue;
    out[name] = encodeValue(spec, value, store);
  }
  return out;
}

export function encodeItem(store: Store, kind: ItemKind, rec: Record<string, unknown>): Item {
  return encodeFields(KINDS[kind].fields, rec, store) as Item;
}

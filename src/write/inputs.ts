/**
 * GraphQL write inputs as wire items, walking the kinds table: references by
 * global id or Upsales id, order stages and other metadata by id, addresses
 * and order rows as structures, custom fields checked against their
 * definitions. Every problem is found here, before any upstream call.
 */
import { BadUserInputError } from '../request/errors.js';
import { KINDS, STRUCTS, type FieldSpec, type ItemKind } from '../contract/kinds.js';
import type { CustomFieldDefinition } from '../contract/types.js';
import { isEmptyText, MAX_LENGTH, textProblem } from '../request/input-text.js';
import { upstreamId } from '../request/global-id.js';
import { customFieldsToWire, type CustomFieldInput } from './custom-fields.js';
import { InputProblem } from './user-errors.js';
import { writableFields } from './fields.js';

export type WriteMode = 'create' | 'update';
export type Input = Record<string, unknown>;
export type WireItem = Record<string, unknown>;

export interface ConvertEnv {
  /** Every custom field definition (empty when no input names a custom field). */
  definitions: CustomFieldDefinition[];
  /** The custom field definition set of what is converted (`client`, `order`, `orderRow`). */
  setName: string;
  /** Problems found so far; conversion goes on past a bad field, to report every one. */
  problems: InputProblem[];
}

/** `rows` of an update: rows to add, rows to change by id, row ids to remove. */
export interface RowsUpdateInput {
  create?: Input[] | null;
  update?: Input[] | null;
  delete?: number[] | null;
}

/** A text value as sent: the shared text rules, and a required field cannot be empty (or only white space). */
function checkText(value: string, max: number, required: boolean, path: string[]): string {
  if (required && isEmptyText(value)) throw new InputProblem(path, `${path.at(-1)} is required and cannot be empty`);
  const problem = textProblem(value, max);
  if (problem) throw new InputProblem(path, `${path.at(-1)} ${problem}`);
  return value;
}

function refId(value: unknown, target: string, path: string[]): number {
  if (!(target in KINDS)) return value as number;
  try {
    return upstreamId(String(value), KINDS[target as ItemKind].typeName, path.join('.'));
  } catch (error) {
    if (error instanceof BadUserInputError) throw new InputProblem(path, error.message);
    throw error;
  }
}

function convertValue(spec: FieldSpec, value: unknown, mode: WriteMode, path: string[], env: ConvertEnv): unknown {
  switch (spec.type) {
    case 'ref': return refId(value, spec.target, path);
    case 'refs': {
      const list = value as unknown[];
      if (spec.required && list.length === 0) throw new InputProblem(path, `${path.at(-1)} needs at least one`);
      return list.map((element, i) => refId(element, spec.target, [...path, String(i)]));
    }
    case 'customfields': return customFieldsToWire(value as CustomFieldInput[], env.definitions, env.setName, path);
    case 'struct':
      if (spec.struct === 'Stage') return { id: value };
      if (spec.struct === 'OrderRow') {
        return (value as Input[]).map((row, i) => convertFields(STRUCTS.OrderRow, row, 'create', [...path, String(i)], { ...env, setName: 'orderRow' }));
      }
      return (value as Input[]).map((element, i) => convertFields(STRUCTS[spec.struct], element, mode, [...path, String(i)], env));
    case 'string': case 'text':
      return checkText(value as string, spec.maxLength ?? MAX_LENGTH[spec.type], Boolean(spec.required), path);
    default:
      return value;
  }
}

/**
 * The wire form of an input for `fields`. On update, absent fields are left
 * out (unchanged) and null clears; a required field cannot be cleared.
 * Update rows (`{create, update, delete}`) are left for {@link mergeRows}.
 */
export function convertFields(fields: Record<string, FieldSpec>, input: Input, mode: WriteMode, path: string[], env: ConvertEnv): WireItem {
  const out: WireItem = {};
  for (const { wire, name, spec } of writableFields(fields)) {
    const value = input[name];
    if (value === undefined) continue;
    const at = [...path, name];
    try {
      if (value === null) {
        if (mode === 'create' || spec.type === 'customfields' || (spec.type === 'struct' && spec.struct === 'OrderRow')) continue;
        if (spec.required) throw new InputProblem(at, `${name} is required and cannot be cleared`);
        out[wire] = null;
        continue;
      }
      if (mode === 'update' && spec.type === 'struct' && spec.struct === 'OrderRow') continue;
      out[wire] = convertValue(spec, value, mode, at, env);
    } catch (error) {
      if (!(error instanceof InputProblem)) throw error;
      env.problems.push(error);
    }
  }
  return out;
}

/** Whether converting these inputs needs the custom field definitions (one metadata call). */
export function needsDefinitions(inputs: Input[]): boolean {
  const hasCustom = (input: Input | null | undefined): boolean => {
    if (!input) return false;
    if (Array.isArray(input.customFields) && input.customFields.length > 0) return true;
    const rows = input.rows as Input[] | RowsUpdateInput | null | undefined;
    if (!rows) return false;
    const list = Array.isArray(rows) ? rows : [...(rows.create ?? []), ...(rows.update ?? [])];
    return list.some(hasCustom);
  };
  return inputs.some(hasCustom);
}

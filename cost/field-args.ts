/**
 * The arguments of a field as the estimate reads them: literal or from the
 * operation's variables, without coercion (the input guard and execution
 * check them).
 */
import { Kind, valueFromASTUntyped, type FieldNode, type ValueNode } from 'graphql';
import { decodeCursor } from '../resolvers/paging.js';

type Variables = Record<string, unknown>;

export function intArg(node: FieldNode, name: string, variables: Variables): number | undefined {
  const arg = node.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  const value: ValueNode = arg.value;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === 'number' ? v : undefined;
  }
  return undefined;
}

/** Where `after` starts a page (0 without it, or when it is no cursor: execution will refuse it). */
export function offsetArg(node: FieldNode, variables: Variables): number {
  const arg = node.arguments?.find((a) => a.name.value === 'after');
  const cursor = !arg ? undefined
    : arg.value.kind === Kind.STRING ? arg.value.value
      : arg.value.kind === Kind.VARIABLE ? variables[arg.value.name.value] : undefined;
  if (typeof cursor !== 'string') return 0;
  try {
    return decodeCursor(cursor) + 1;
  } catch {
    return 0;
  }
}

export function listArgLength(node: FieldNode, name: string, variables: Variables): number {
  const arg = node.arguments?.find((a) => a.name.value === name);
  if (!arg) return 1;
  if (arg.value.kind === Kind.LIST) return arg.value.values.length;
  if (arg.value.kind === Kind.VARIABLE) {
    const v = variables[arg.value.name.value];
    return Array.isArray(v) ? v.length : 1;
  }
  return 1;
}

/** The values of a list argument (a literal list or a variable), or undefined without one. */
export function listArgValues(node: FieldNode, name: string, variables: Variables): unknown[] | undefined {
  const arg = node.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  const value = valueFromASTUntyped(arg.value, variables);
  return Array.isArray(value) ? value : [value];
}

/** Whether a connection's `filter` names a custom field by alias (the definitions are fetched to resolve it). */
export function filtersByAlias(node: FieldNode, variables: Variables): boolean {
  const arg = node.arguments?.find((a) => a.name.value === 'filter');
  const filter = arg ? valueFromASTUntyped(arg.value, variables) as { customFields?: { field?: unknown }[] } | null : null;
  return (filter?.customFields ?? []).some((custom) => typeof custom?.field === 'string' && !/^\d+$/.test(custom.field));
}

/** The arguments as a key: two fields with the same key share a relation loader (and its calls). */
export function argumentsKey(node: FieldNode, variables: Variables): string {
  const values = (node.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value, variables)] as const);
  return JSON.stringify(values.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The input guard: before an operation runs (and so before any SOAP call),
 * every string in the arguments of its fields, from literals and variables
 * alike, in nested input objects, lists and JSON values, is held to the text
 * rules of src/request/input-text.ts (no refused character, at most
 * MAX_ARGUMENT_LENGTH characters). The first bad one refuses the whole
 * operation with one BAD_USER_INPUT error naming its argument path
 * (`clients.filter.name.contains`), without echoing the value.
 *
 * Arguments marked CHECKED_PER_ITEM (write items, import rows) are
 * left to the code that checks them item by item, so that one bad item fails
 * alone. Variables that do not fit their types are refused here too, as
 * graphql-js words it but with the values in the messages cut short (it
 * quotes them whole).
 */
import {
  GraphQLError, getArgumentValues, getDirectiveValues, getNamedType, getOperationAST, getVariableValues, GraphQLIncludeDirective,
  GraphQLSkipDirective, isInputObjectType, isInterfaceType, isListType, isNonNullType, isObjectType, isScalarType, Kind,
  type ExecutionArgs, type ExecutionResult, type FieldNode, type FragmentDefinitionNode, type FragmentSpreadNode, type GraphQLField,
  type GraphQLInputType, type GraphQLNamedType, type InlineFragmentNode, type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { BadUserInputError } from '../../src/request/errors.js';
import { formatPath, isCheckedPerItem, MAX_ARGUMENT_LENGTH, preview, valueProblem } from '../../src/request/input-text.js';

type Path = (string | number)[];
interface Found { path: Path; problem: string }

/** The first problem in an argument value, walked by its input type. */
function inputProblem(type: GraphQLInputType, value: unknown, path: Path): Found | null {
  if (value === null || value === undefined) return null;
  if (isNonNullType(type)) return inputProblem(type.ofType, value, path);
  if (isListType(type)) {
    if (!Array.isArray(value)) return inputProblem(type.ofType, value, path);
    for (const [i, element] of value.entries()) {
      const found = inputProblem(type.ofType, element, [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) {
      const found = inputProblem(field.type, (value as Record<string, unknown>)[field.name], [...path, field.name]);
      if (found) return found;
    }
    return null;
  }
  if (!isScalarType(type)) return null;
  const found = valueProblem(value, MAX_ARGUMENT_LENGTH);
  return found && { path: [...path, ...found.path], problem: found.problem };
}

/** Walks the fields of one operation, checking each field node's arguments once. */
class ArgumentWalk {
  private readonly checked = new Set<FieldNode>();
  private readonly walkedFragments = new Set<string>();

  constructor(
    private readonly args: ExecutionArgs,
    private readonly variables: Record<string, unknown>,
    private readonly fragments: Record<string, FragmentDefinitionNode>,
  ) {}

  selections(parent: GraphQLNamedType | null | undefined, set: SelectionSetNode, path: Path): Found | null {
    for (const selection of set.selections) {
      if (this.skipped(selection)) continue;
      let found = this.directives(selection, path);
      if (found) return found;
      if (selection.kind === Kind.FIELD) found = this.field(parent, selection, path);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.args.schema.getType(selection.typeCondition.name.value) : parent;
        found = this.selections(type, selection.selectionSet, path);
      } else if (!this.walkedFragments.has(selection.name.value)) {
        this.walkedFragments.add(selection.name.value);
        const fragment = this.fragments[selection.name.value];
        if (fragment) found = this.selections(this.args.schema.getType(fragment.typeCondition.name.value), fragment.selectionSet, path);
      }
      if (found) return found;
    }
    return null;
  }

  private skipped(node: Parameters<typeof getDirectiveValues>[1]): boolean {
    return getDirectiveValues(GraphQLSkipDirective, node, this.variables)?.if === true
      || getDirectiveValues(GraphQLIncludeDirective, node, this.variables)?.if === false;
  }

  /**
   * The arguments of the directives on a selection (`@defer(label:)`,
   * `@stream(initialCount:, label:)`) as those of a field; `@stream`'s
   * `initialCount` must also be a whole number from 0 (the executor would
   * fail the field with an internal error, after its SOAP call).
   */
  private directives(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, path: Path): Found | null {
    for (const use of node.directives ?? []) {
      const def = this.args.schema.getDirective(use.name.value);
      let values: Record<string, unknown> | null | undefined;
      try {
        values = def && getDirectiveValues(def, node, this.variables);
      } catch {
        continue; // Not a valid value for its type: validation or execution reports that.
      }
      if (!def || !values) continue;
      const at = [...path, node.kind === Kind.FIELD ? node.alias?.value ?? node.name.value : '...', `@${def.name}`];
      for (const arg of def.args) {
        const found = inputProblem(arg.type, values[arg.name], [...at, arg.name]);
        if (found) return found;
      }
      const count = values.initialCount;
      if (def.name === 'stream' && values.if !== false && !(Number.isSafeInteger(count) && (count as number) >= 0)) {
        return { path: [...at, 'initialCount'], problem: 'must be a whole number from 0' };
      }
    }
    return null;
  }

  private field(parent: GraphQLNamedType | null | undefined, node: FieldNode, path: Path): Found | null {
    if (this.checked.has(node) || node.name.value.startsWith('__')) return null;
    this.checked.add(node);
    if (!isObjectType(parent) && !isInterfaceType(parent)) return null;
    const def: GraphQLField<unknown, unknown> | undefined = parent.getFields()[node.name.value];
    if (!def) return null;
    const at = [...path, node.alias?.value ?? node.name.value];
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(def, node, this.variables);
    } catch {
      return null; // Not a valid value for its type: execution reports that, before any resolver runs.
    }
    for (const arg of def.args) {
      if (isCheckedPerItem(arg.extensions)) continue;
      const found = inputProblem(arg.type, values[arg.name], [...at, arg.name]);
      if (found) return found;
    }
    return node.selectionSet ? this.selections(getNamedType(def.type), node.selectionSet, at) : null;
  }
}

const QUOTED = /"(?:[^"\\]|\\.)*"/g;

function cut(quoted: string): string {
  if (quoted.length <= 50) return quoted;
  try {
    return preview(JSON.parse(quoted));
  } catch {
    return `${quoted.slice(0, 41)}…"`;
  }
}

/** A variable coercion error (status 400, as execution would answer it) with each quoted value cut to a preview. */
function withValuesCut(error: GraphQLError): GraphQLError {
  const message = error.message.replace(QUOTED, cut);
  return new GraphQLError(message, {
    nodes: error.nodes,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } },
  });
}

/** The refusal of an operation whose arguments break the text rules, or null when they do not. */
function checkArguments(args: ExecutionArgs): ExecutionResult | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return null;
  const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>, { maxErrors: 50 });
  if (coerced.errors) return { errors: coerced.errors.map(withValuesCut) };
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of args.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const walk = new ArgumentWalk(args, coerced.coerced, fragments);
  const found = walk.selections(args.schema.getRootType(operation.operation), operation.selectionSet, []);
  if (!found) return null;
  const argument = formatPath(found.path);
  return { errors: [new BadUserInputError(`${argument} ${found.problem}`, { argument })] };
}

/**
 * Refuses queries, mutations and subscriptions whose arguments hold a string
 * Upsales cannot take (see src/request/input-text.ts), before they run.
 */
export function useInputGuard(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = checkArguments(args);
      if (refusal) setResultAndStopExecution(refusal);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = checkArguments(args);
      if (refusal) setResultAndStopExecution(refusal);
    },
  };
}

/**
 * Limits of a GraphQL document, checked before any work that grows faster
 * than the document: its size (before parsing), its tokens (while parsing),
 * and its depth, aliases and directives (graphql-armor's validation rules,
 * which cost each fragment once), and its fields with every fragment spread
 * in place (counted with each fragment's size once). Every refusal is a
 * BAD_USER_INPUT error naming the limit's variable.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { Kind, Lexer, Source, TokenKind, type DocumentNode, type GraphQLError, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestLimits } from '../../src/config/config.js';
import { BadUserInputError } from '../../src/request/errors.js';

/**
 * Deepest nesting of brackets, braces and parentheses a document may have.
 * graphql-js parses recursively, so a few thousand levels overflow its stack
 * long before any other limit is reached; fields deeper than MAX_QUERY_DEPTH
 * are refused by validation anyway.
 */
export const MAX_NESTING = 64;

const OPENING = new Set<string>([TokenKind.BRACKET_L, TokenKind.BRACE_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACKET_R, TokenKind.BRACE_R, TokenKind.PAREN_R]);

/** Refuses a document nested deeper than {@link MAX_NESTING}, with graphql-js' own (iterative) lexer, at most `maxTokens` tokens far. */
function checkNesting(document: string, maxTokens: number): void {
  const lexer = new Lexer(new Source(document));
  let depth = 0;
  for (let tokens = 0; tokens <= maxTokens; tokens++) {
    let kind: string;
    try {
      kind = lexer.advance().kind;
    } catch {
      return; // a syntax error: the parser reports it
    }
    if (kind === TokenKind.EOF) return;
    if (OPENING.has(kind) && ++depth > MAX_NESTING) {
      throw new BadUserInputError(`The document nests brackets deeper than ${MAX_NESTING} levels`, { http: { status: 400 } });
    }
    if (CLOSING.has(kind)) depth--;
  }
}

type DocumentLimits = Pick<RequestLimits, 'queryBytes' | 'queryTokens' | 'queryDepth' | 'queryAliases' | 'queryDirectives' | 'queryFields'>;

/**
 * Fields of a document's operations with every fragment spread in place: a
 * few hundred bytes of fragments that each spread the one below twice hold
 * 2^levels fields. Each fragment's size is counted once (a cycle counts
 * nothing: validation refuses it).
 */
export function expandedFields(document: DocumentNode): number {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const sizes = new Map<string, number>();
  const fragmentSize = (name: string): number => {
    if (!sizes.has(name)) {
      sizes.set(name, 0);
      const fragment = fragments.get(name);
      sizes.set(name, fragment ? size(fragment.selectionSet) : 0);
    }
    return sizes.get(name)!;
  };
  const size = (set: SelectionSetNode): number => set.selections.reduce((sum, selection) => sum + (
    selection.kind === Kind.FIELD ? 1 + (selection.selectionSet ? size(selection.selectionSet) : 0)
      : selection.kind === Kind.INLINE_FRAGMENT ? size(selection.selectionSet)
        : fragmentSize(selection.name.value)), 0);
  return document.definitions.reduce((sum, d) => sum + (d.kind === Kind.OPERATION_DEFINITION ? size(d.selectionSet) : 0), 0);
}

/** Armor's rejection ("Syntax Error: Query depth limit of 16 exceeded, found 26.") as our coded error. */
function refusal(variable: string) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const what = error.message.replace(/^Syntax Error:\s*/, '').replace(/\.$/, '');
    context?.reportError(new BadUserInputError(`${what} (${variable})`, { limit: variable }));
  };
}

function armorRule(rule: (options: object) => ValidationRule, n: number, variable: string, extra: object = {}): ValidationRule {
  return rule({ n, exposeLimits: true, propagateOnRejection: false, onReject: [refusal(variable)], ...extra });
}

export function useDocumentLimits(limits: DocumentLimits): Plugin[] {
  const rules = [
    // A fragment spread is no level of its own: frontends nest fragments freely.
    armorRule(maxDepthRule, limits.queryDepth, 'MAX_QUERY_DEPTH', { flattenFragments: true }),
    armorRule(maxAliasesRule, limits.queryAliases, 'MAX_QUERY_ALIASES'),
    armorRule(maxDirectivesRule, limits.queryDirectives, 'MAX_QUERY_DIRECTIVES'),
  ];
  return [
    {
      onParams({ params }) {
        const bytes = typeof params.query === 'string' ? Buffer.byteLength(params.query) : 0;
        if (bytes > limits.queryBytes) {
          throw new BadUserInputError(`The document is ${bytes} bytes, more than MAX_QUERY_BYTES (${limits.queryBytes})`, {
            limit: 'MAX_QUERY_BYTES', http: { status: 400 },
          });
        }
        // Before parsing: graphql-js' parser is recursive.
        if (typeof params.query === 'string') checkNesting(params.query, limits.queryTokens);
      },
    },
    // Armor's parser counts tokens as it lexes and stops at the limit.
    maxTokensPlugin({
      n: limits.queryTokens,
      exposeLimits: false,
      errorMessage: `The document has more than ${limits.queryTokens} tokens (MAX_QUERY_TOKENS)`,
    }),
    {
      onValidate({ params, addValidationRule, setResult }) {
        const fields = expandedFields(params.documentAST);
        if (fields > limits.queryFields) {
          const shown = fields > Number.MAX_SAFE_INTEGER ? 'more fields than can be counted' : `${fields} fields`;
          setResult([new BadUserInputError(
            `The document has ${shown} with its fragments spread in place, more than MAX_QUERY_FIELDS (${limits.queryFields})`,
            { limit: 'MAX_QUERY_FIELDS' },
          )]);
          return;
        }
        for (const rule of rules) addValidationRule(rule);
        // graphql-js gives up comparing fields past a budget of its own and says only "Validation aborted.".
        return ({ result, setResult }) => {
          if (!result.some((error) => error.message === 'Validation aborted.')) return;
          setResult([new BadUserInputError(
            'The document repeats fields more than GraphQL validation compares (graphql-js stops at a budget of its own): ask for each field once',
            { limit: 'graphql-js validation' },
          )]);
        };
      },
    },
  ];
}

/**
 * The last guard against echoing a request back: graphql-js quotes what it
 * could not read (`Syntax Error: Unexpected String "..."`, `Cannot query
 * field "..."`), whole, however long. Every error message of every answer
 * (parse, validation, variables, execution) is cut to
 * {@link MAX_ERROR_MESSAGE} characters before it is sent.
 */
import { GraphQLError } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import { MAX_ERROR_MESSAGE, shortMessage } from '../../src/request/input-text.js';

function shortened(error: GraphQLError): GraphQLError {
  if (error.message.length <= MAX_ERROR_MESSAGE) return error;
  return new GraphQLError(shortMessage(error.message), {
    nodes: error.nodes, source: error.source, positions: error.positions, path: error.path,
    originalError: error.originalError, extensions: error.extensions,
  });
}

type Result = { errors?: readonly GraphQLError[]; incremental?: readonly Result[] } & object;

const tooLong = (result: Result): boolean =>
  Boolean(result.errors?.some((error) => error.message.length > MAX_ERROR_MESSAGE) || result.incremental?.some(tooLong));

/** The result with every error message cut, those of incremental (@defer/@stream) parts included. */
function withShortErrors<T extends Result>(result: T): T {
  if (!tooLong(result)) return result;
  return {
    ...result,
    ...(result.errors ? { errors: result.errors.map(shortened) } : {}),
    ...(result.incremental ? { incremental: result.incremental.map(withShortErrors) } : {}),
  };
}

export function useShortErrors(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      const one = (part: Result | AsyncIterable<Result>) => (isAsyncIterable(part) ? mapAsyncIterator(part, withShortErrors) : withShortErrors(part));
      setResult((Array.isArray(result) ? result.map(one) : one(result)) as typeof result);
    },
  };
}

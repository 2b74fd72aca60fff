/**
 * useShortErrors cuts every error message an answer carries, those of
 * @defer parts included, on a small schema whose resolvers fail with
 * messages that quote a long value whole (as graphql-js does).
 */
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { expect, it } from 'vitest';
import { MAX_ERROR_MESSAGE } from '../../src/request/input-text.js';
import { useShortErrors } from '../../app/plugins/use-short-errors.js';

const LONG = `"${'y'.repeat(2_000)}" is not a value this field takes`;
const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'type Query { fine: String, failing: String }',
    resolvers: { Query: { fine: () => 'ok', failing: () => { throw new GraphQLError(LONG); } } },
  }),
  plugins: [useDeferStream(), useShortErrors()],
  maskedErrors: false,
});

it('cuts a plain answer\'s error message, its quoted value to a preview', async () => {
  const response = await yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ fine failing }' }) });
  const body = await response.json() as { errors: { message: string }[] };
  expect(body.errors[0].message).toBe(`"${'y'.repeat(40)}…" is not a value this field takes`);
});

it('cuts the errors of a deferred part', async () => {
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'multipart/mixed' }, body: JSON.stringify({ query: '{ fine ... @defer { failing } }' }),
  });
  const text = await response.text();
  expect(text).toContain('"incremental"');
  expect(text).not.toContain('y'.repeat(41));
  for (const [, message] of text.matchAll(/"message":"((?:[^"\\]|\\.)*)"/g)) expect(message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE + 10);
});

/**
 * The README tells the truth: every GraphQL example in it runs against the
 * embedded service without errors.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const GRAPHQL_BLOCKS = [...README.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]);
const CURL_QUERIES = [...README.matchAll(/-d '(\{"query".*?\})'/g)].map((match) => (JSON.parse(match[1]) as { query: string }).query);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

it('has examples to check', () => {
  expect(GRAPHQL_BLOCKS.length).toBeGreaterThan(0);
  expect(CURL_QUERIES.length).toBeGreaterThan(0);
});

it.each([...GRAPHQL_BLOCKS, ...CURL_QUERIES].map((query, i) => [i, query]))('example %i runs without errors', async (_i, query) => {
  const result = await stack.query(query as string, { as: 'admin' });
  expect(result.errors).toBeUndefined();
  const userErrors = JSON.stringify(result.data).match(/"userErrors":\[[^\]]+\]/g);
  expect(userErrors).toBeNull();
});

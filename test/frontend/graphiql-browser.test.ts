/**
 * GraphiQL in a real browser (Debian's Chromium through playwright-core):
 * the page comes whole from the gateway, with no request to any other host;
 * the editor opens with the example query, Run shows its data, and a shared
 * link (`?query=`) opens with its own query. With GRAPHIQL_SCREENSHOT=1 it
 * also writes docs/graphiql.png, the picture in the README.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FIRST_QUERY } from '../../app/graphiql.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';
import { DEMO_USERS } from '../helpers/stack.js';

const available = chromiumAvailable();
const SCREENSHOT = new URL('../../docs/graphiql.png', import.meta.url);
/** The page is 9 MB of script that a busy CI machine takes a while to start. */
const BROWSER_TIMEOUT_MS = 120_000;

let served: ServedStack;
let browser: Browser;
beforeAll(async () => {
  if (!available) return;
  // Anonymous requests act as the demo admin, as under `npm start`.
  served = await startServedStack({ config: { defaultCredentials: DEMO_USERS.admin } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await served?.close();
});

interface Visit { page: Page; context: BrowserContext; foreign: string[]; problems: string[] }

/** A fresh browser profile on `path`, recording every request that leaves for another origin (and refusing it). */
async function visit(path: string): Promise<Visit> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const foreign: string[] = [];
  const problems: string[] = [];
  const own = (url: string) => url.startsWith('data:') || new URL(url).origin === served.base;
  context.on('request', (request) => {
    if (!own(request.url())) foreign.push(request.url());
  });
  await context.route('**/*', (route) => (own(route.request().url()) ? route.continue() : route.abort()));
  const page = await context.newPage();
  page.on('websocket', (socket) => foreign.push(socket.url()));
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${served.base}${path}`);
  return { page, context, foreign, problems };
}

/** The visible text of a GraphiQL pane (Monaco draws spaces as no-break spaces). */
const paneText = async (page: Page, selector: string) => (await page.locator(selector).innerText()).replace(/\u00a0/g, ' ');

async function runAndRead(page: Page): Promise<string> {
  await page.locator('.graphiql-execute-button').click();
  await page.locator('.graphiql-response').getByText('"data"').first().waitFor({ timeout: 30_000 });
  return paneText(page, '.graphiql-response');
}

it.skipIf(!available)('opens with FirstQuery, runs it, shows its data, and asks no other host for anything', async () => {
  const expected = await (await served.fetch('/graphql', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: FIRST_QUERY }),
  })).json() as { data: { me: { email: string }; clients: { nodes: { name: string }[] } } };
  const { page, context, foreign, problems } = await visit('/graphql');
  try {
    expect(foreign).toEqual([]);
    await page.locator('.graphiql-query-editor').getByText('FirstQuery').first().waitFor({ timeout: 45_000 });
    const editor = await paneText(page, '.graphiql-query-editor');
    expect(editor).toContain('query FirstQuery {');
    expect(editor).toContain('clients(first: 5, orderBy: [{ field: name }]) {');

    const result = await runAndRead(page);
    expect(result).toContain(`"email": "${expected.data.me.email}"`);
    expect(result).toContain(`"name": "${expected.data.clients.nodes[0].name}"`);
    expect(result).not.toContain('"errors"');
    if (process.env.GRAPHIQL_SCREENSHOT === '1') {
      mkdirSync(new URL('.', SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT.pathname });
    }
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
}, BROWSER_TIMEOUT_MS);

it.skipIf(!available)('a shared link (GET /graphql?query=...) opens with its query and runs it', async () => {
  const { page, context, foreign, problems } = await visit(`/graphql?query=${encodeURIComponent('query Shared { me { email } }')}`);
  try {
    await page.locator('.graphiql-query-editor').getByText('Shared').first().waitFor({ timeout: 45_000 });
    expect(await paneText(page, '.graphiql-query-editor')).not.toContain('FirstQuery');
    const result = await runAndRead(page);
    expect(result).toContain(`"email": "${DEMO_USERS.admin.username}"`);
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
}, BROWSER_TIMEOUT_MS);

/** The caller: `me`, and the call budget of the caller's Upsales account. */
import type { RateLimitSnapshot } from '../src/request/request-state.js';
import type { GatewayContext } from './context.js';
import { lookupUser } from '../src/request/credentials.js';
import { NotFoundError } from '../src/request/errors.js';
import { primeNodes } from './connections.js';
import { builder } from './builder.js';
import { nodeRef } from './node-refs.js';

builder.queryField('me', (t) => t.field({
  type: nodeRef('user'),
  description: 'The Upsales user the request acts as.',
  extensions: { cost: { type: 'single' } },
  resolve: async (_root, _args, ctx) => {
    const { items } = await lookupUser(ctx.upstream, ctx.username);
    if (!items[0]) throw new NotFoundError('The calling user');
    primeNodes(ctx, 'user', items);
    return items[0];
  },
}));

const RateLimit = builder.objectRef<RateLimitSnapshot>('RateLimit').implement({
  description: 'The shared SOAP call budget of the caller\'s Upsales account, across every request and background job.',
  fields: (t) => ({
    limit: t.exposeInt('limit', { nullable: false, description: 'Calls allowed in any sliding window' }),
    windowMs: t.exposeInt('windowMs', { nullable: false }),
    used: t.exposeInt('used', { nullable: false, description: 'Calls in the current window' }),
    remaining: t.exposeInt('remaining', { nullable: false }),
    queued: t.exposeInt('queued', { nullable: false, description: 'Calls waiting for the budget' }),
    inFlight: t.exposeInt('inFlight', { nullable: false }),
    shared: t.exposeBoolean('shared', {
      nullable: false,
      description: 'Whether this budget is shared now with the account\'s other gateways and import processes (through Redis, REDIS_URL). False without REDIS_URL, and while Redis is unreachable: each process then spends a fallback share of its own (`limit` shows it)',
    }),
    blockedUntil: t.field({
      type: 'DateTime', description: 'Set while Upsales has blocked the account (THROTTLED): no call is sent before then',
      resolve: (snapshot) => snapshot.blockedUntil?.toISOString() ?? null,
    }),
  }),
});

builder.queryField('rateLimit', (t) => t.field({
  type: RateLimit,
  nullable: false,
  description: 'The call budget of the caller\'s account. Costs no SOAP call once Upsales has accepted the caller\'s password (checked with one call, then remembered for 10 minutes).',
  extensions: { cost: { type: 'single' } },
  resolve: async (_root, _args, ctx: GatewayContext) => {
    await ctx.verifyCredentials();
    return ctx.rateLimit();
  },
}));

/**
 * `subscription { changes(kinds: [...]) }`: every change of the watched kinds
 * as the caller's account sees it, one payload per change, from the
 * account's change feed (src/changes) and from writes through the gateway.
 * Driven by the kinds table: one enum value per item kind.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { ITEM_KINDS, KINDS, type ItemKind } from '../src/contract/kinds.js';
import { checkWatchedKinds, MAX_WATCHED_KINDS, type ChangeWithItem } from '../src/changes/index.js';
import { GatewayError } from '../src/request/errors.js';
import { loadByIds } from '../src/upstream/index.js';
import { builder } from './builder.js';
import { nodeRef } from './node-refs.js';

/** `client` -> `CLIENT`, `orderStage` -> `ORDER_STAGE`. */
const enumName = (kind: string) => kind.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

const ChangeKind = builder.enumType('ChangeKind', {
  description: 'A kind of item whose changes can be watched.',
  values: Object.fromEntries(ITEM_KINDS.map((kind) => [enumName(kind), { value: kind, description: KINDS[kind].typeName }])) as Record<string, { value: ItemKind }>,
});

const ChangeType = builder.enumType('ChangeType', {
  values: {
    CREATED: { description: 'New to you: created, or now within your rights.' },
    UPDATED: { description: 'Changed: its modDate moved.' },
    DELETED: { description: 'Gone for you: deleted, or no longer within your rights.' },
  } as const,
});

/** What changed: any item type. A union, not `Node`: the relay plugin's `Node` fields load by global id, and the item is at hand. */
const ChangedNode = builder.unionType('ChangedNode', {
  description: 'The item a change is about.',
  types: ITEM_KINDS.map((kind) => nodeRef(kind)),
  resolveType: (item) => TYPE_OF.get(item as object),
});

/** The type name of each item given to {@link ChangedNode}. */
const TYPE_OF = new WeakMap<object, string>();

const Change = builder.objectRef<ChangeWithItem>('Change').implement({
  description: 'One change of one item, as your account sees it.',
  fields: (t) => ({
    kind: t.field({ type: ChangeKind, nullable: false, resolve: (change) => change.kind }),
    type: t.field({ type: ChangeType, nullable: false, resolve: (change) => change.type }),
    id: t.id({ nullable: false, description: 'The global id of the item (as `node(id:)` takes it).', resolve: (change) => encodeGlobalID(KINDS[change.kind].typeName, change.upsalesId) }),
    upsalesId: t.int({ nullable: false, resolve: (change) => change.upsalesId }),
    at: t.field({ type: 'DateTime', nullable: false, description: 'When: the item\'s modDate, or when it was found gone.', resolve: (change) => change.at }),
    node: t.field({
      type: ChangedNode,
      description: 'The item as you see it now; null when deleted.',
      resolve: async (change, _args, ctx) => {
        if (change.type === 'DELETED') return null;
        const item = change.item ?? await (async () => {
          const [loaded] = await loadByIds(ctx.upstream, change.kind, [change.upsalesId]);
          return loaded instanceof Error ? null : loaded;
        })();
        if (!item) return null;
        const node = { ...item };
        TYPE_OF.set(node, KINDS[change.kind].typeName);
        return node;
      },
    }),
  }),
});

/** Each change of a stream of batches, one at a time. */
async function* oneByOne(batches: AsyncIterable<ChangeWithItem[]>): AsyncGenerator<ChangeWithItem> {
  for await (const batch of batches) yield* batch;
}

builder.subscriptionField('changes', (t) => t.field({
  type: Change,
  nullable: false,
  description: `Every change of items of \`kinds\` (1 to ${MAX_WATCHED_KINDS}) that your account may see, from now on: made in Upsales by anyone `
    + '(found by your account\'s change feed within its poll interval, CHANGES_POLL_MS) or through this gateway (at once). '
    + 'All watchers of one account share one feed: watching costs the same however many watch.',
  args: { kinds: t.arg({ type: [ChangeKind], required: true }) },
  subscribe: (_root, args, ctx) => {
    const kinds = checkWatchedKinds(args.kinds);
    if (!ctx.changes) throw new GatewayError('UPSTREAM_ERROR', 'This gateway serves no change feed');
    return oneByOne(ctx.changes.watch(kinds));
  },
  resolve: (change) => change,
}));

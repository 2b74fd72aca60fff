/**
 * Every relation in both directions, table-driven from the derived relation
 * table and the ref fields of the kinds: a nested connection holds exactly
 * what the root connection filtered by the parent holds, every reference
 * resolves to the item (or metadata entry) the upstream data names, each at
 * an exact number of SOAP calls.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS, META_KINDS, type FieldSpec, type ItemKind, type MetaKind } from '../../src/contract/kinds.js';
import type { Item } from '../../src/contract/types.js';
import { MAX_LIMIT } from '../../src/contract/wire.js';
import { filterableFields } from '../../resolvers/criteria.js';
import { idsAt, isItemKind, RELATIONS, type Relation } from '../../resolvers/relations.js';
import { demoMetadata } from '../../src/simulator/data/demo-metadata.js';
import { startStack, UNTHROTTLED, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(UNTHROTTLED);
});
afterAll(() => stack.close());

const META = demoMetadata();
/** Every item of a kind as admin sees it upstream, fetched once per file. */
const cache = new Map<ItemKind, Promise<Item[]>>();
const all = (kind: ItemKind): Promise<Item[]> => {
  if (!cache.has(kind)) cache.set(kind, stack.items(kind));
  return cache.get(kind)!;
};
const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
/** Root list field of a metadata kind: `getOrderStages` -> `orderStages`. */
const metaList = (kind: MetaKind) => lowerFirst(META_KINDS[kind].operation.slice(3));
const typeName = (kind: ItemKind) => KINDS[kind].typeName;

interface Conn { totalCount: number; nodes: { upsalesId: number }[]; pageInfo?: { hasNextPage: boolean } }
const ids = (conn: Conn) => conn.nodes.map((node) => node.upsalesId);

/** The filter input field on `relation.kind` holding the parent's id, and the literal for an id. */
function parentFilter(relation: Relation): { name: string; literal: (id: number) => string } {
  const field = filterableFields(relation.kind).find((f) => f.wire === relation.foreignKey);
  if (!field) throw new Error(`no filter for ${relation.kind}.${relation.foreignKey}`);
  return { name: field.name, literal: (id) => (field.valueType === 'ID' ? JSON.stringify(String(id)) : String(id)) };
}

/** Parent id -> its related items, from upstream data, parents with most items first. */
function groupsOf(relation: Relation, items: Item[]): [number, Item[]][] {
  const groups = new Map<number, Item[]>();
  for (const item of items) {
    for (const id of new Set(idsAt(item, relation.foreignKey))) groups.set(id, [...(groups.get(id) ?? []), item]);
  }
  return [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
}

describe('to-many relations', () => {
  it('the relation table covers every relation of the issue', () => {
    const names = new Set(RELATIONS.map((r) => `${r.parent}.${r.name}`));
    for (const expected of [
      'client.contacts', 'client.orders', 'client.opportunities', 'client.agreements', 'client.activities', 'client.appointments',
      'client.leads', 'client.subsidiaries', 'contact.activities', 'contact.appointments', 'contact.orders', 'project.orders',
      'project.activities', 'user.clients', 'role.users', 'productCategory.products', 'opportunity.activities', 'orderStage.orders',
    ]) expect(names, expected).toContain(expected);
    expect(RELATIONS).toHaveLength(40);
  });

  for (const relation of RELATIONS) {
    it(`${relation.parent}.${relation.name} equals ${KINDS[relation.kind].plural} filtered by ${relation.foreignKey}`, async () => {
      const related = (await all(relation.kind)).filter((item) => idsAt(item, relation.foreignKey).length > 0);
      const groups = groupsOf(relation, related);
      expect(groups.length).toBeGreaterThan(0);
      const chosen = groups.slice(0, 2);
      const parentIds = chosen.map(([id]) => id);
      const selection = `rel: ${relation.name}(first: 100) { totalCount nodes { upsalesId } pageInfo { hasNextPage } }`;

      await stack.resetStats();
      let nested: Map<number, Conn>;
      let parentCalls: number;
      if (isItemKind(relation.parent)) {
        const parentType = typeName(relation.parent);
        const result = await stack.query<{ nodes: ({ upsalesId: number; rel: Conn })[] }>(`{
          nodes(ids: ${JSON.stringify(parentIds.map((id) => encodeGlobalID(parentType, id)))}) { ... on ${parentType} { upsalesId ${selection} } }
        }`);
        expect(result.errors).toBeUndefined();
        expect(result.data!.nodes.map((node) => node.upsalesId)).toEqual(parentIds);
        nested = new Map(result.data!.nodes.map((node) => [node.upsalesId, node.rel]));
        parentCalls = 1;
        // Every parent of the batch shares one call by foreign key (paged by the upstream's limit).
        const batched = related.filter((item) => idsAt(item, relation.foreignKey).some((id) => parentIds.includes(id))).length;
        const stats = await stack.stats();
        expect(stats.calls.byOperation).toEqual({
          [`${KINDS[relation.parent].service}.getByCriteria`]: relation.parent === relation.kind ? parentCalls + Math.max(1, Math.ceil(batched / MAX_LIMIT)) : parentCalls,
          ...(relation.parent === relation.kind ? {} : { [`${KINDS[relation.kind].service}.getByCriteria`]: Math.max(1, Math.ceil(batched / MAX_LIMIT)) }),
        });
        expect(result.extensions?.upsales?.soapCalls).toBe(stats.calls.total);
      } else {
        const list = metaList(relation.parent);
        const result = await stack.query<Record<string, { id: number; rel: Conn }[]>>(`{ list: ${list} { id ${selection} } }`);
        expect(result.errors).toBeUndefined();
        const entries = result.data!.list;
        expect(entries.map((entry) => entry.id)).toEqual((META[`${list}` as keyof typeof META] as { id: number }[]).map((entry) => entry.id));
        nested = new Map(entries.map((entry) => [entry.id, entry.rel]));
        for (const entry of entries) {
          const group = groups.find(([id]) => id === entry.id)?.[1] ?? [];
          expect(entry.rel.totalCount, `${list} ${entry.id}`).toBe(group.length);
          expect(ids(entry.rel)).toEqual(group.slice(0, 100).map((item) => item.id));
        }
        // All entries (at most 20 per call at first: 100) share one call, paged by the upstream's limit.
        expect(entries.length).toBeLessThanOrEqual(20);
        const stats = await stack.stats();
        expect(stats.calls.byOperation).toEqual({
          [`MetadataService.${META_KINDS[relation.parent].operation}`]: 1,
          [`${KINDS[relation.kind].service}.getByCriteria`]: Math.max(1, Math.ceil(related.length / MAX_LIMIT)),
        });
        expect(result.extensions?.upsales?.soapCalls).toBe(stats.calls.total);
      }

      // The same items through the root connection, filtered by the parent.
      const filter = parentFilter(relation);
      const root = await stack.query<Record<string, Conn>>(`{
        ${chosen.map(([id], i) => `p${i}: ${KINDS[relation.kind].plural}(first: 100, filter: { ${filter.name}: { eq: ${filter.literal(id)} } }) { totalCount nodes { upsalesId } }`).join('\n')}
      }`);
      expect(root.errors).toBeUndefined();
      chosen.forEach(([id, group], i) => {
        const viaParent = nested.get(id)!;
        const viaRoot = root.data![`p${i}`];
        expect(viaParent.totalCount).toBe(group.length);
        expect(viaRoot.totalCount).toBe(group.length);
        expect(ids(viaParent)).toEqual(ids(viaRoot));
        expect(ids(viaParent)).toEqual(group.slice(0, 100).map((item) => item.id));
        expect(viaParent.pageInfo!.hasNextPage).toBe(group.length > 100);
      });
    });
  }
});

/** Every reference of a kind: ref and refs fields, the order stage, and order rows' products. */
interface RefCase {
  kind: ItemKind; field: string; path: string; target: ItemKind | MetaKind; list: boolean; selection: string;
  /** The item carries the entry itself (the order stage): no call to resolve it. */
  embedded?: boolean;
}
function refCases(): RefCase[] {
  const cases: RefCase[] = [];
  for (const kind of Object.keys(KINDS) as ItemKind[]) {
    for (const [wire, spec] of Object.entries(KINDS[kind].fields as Record<string, FieldSpec>)) {
      if (spec.type === 'ref' || spec.type === 'refs') {
        cases.push({
          kind, field: spec.gql ?? wire, path: `${wire}.id`, target: spec.target, list: spec.type === 'refs',
          selection: isItemKind(spec.target) ? '{ upsalesId }' : '{ id }',
        });
      }
      if (spec.type === 'struct' && spec.struct === 'Stage') {
        cases.push({ kind, field: wire, path: `${wire}.id`, target: 'orderStage', list: false, selection: '{ id }', embedded: true });
      }
    }
  }
  return cases;
}

describe('references', () => {
  for (const ref of refCases()) {
    it(`${typeName(ref.kind)}.${ref.field} resolves to the ${ref.target}${ref.list ? 's' : ''} the item names`, async () => {
      const items = (await stack.client().getByCriteria(ref.kind, {
        criteria: [{ field: ref.path, operator: 'isNull', values: ['false'] }], sort: [{ field: 'id' }], limit: 5,
      })).items;
      expect(items.length).toBeGreaterThan(0);
      await stack.resetStats();
      const result = await stack.query<Record<string, { nodes: Record<string, unknown>[] }>>(`{
        list: ${KINDS[ref.kind].plural}(first: 5, filter: { id: { in: ${JSON.stringify(items.map((item) => String(item.id)))} } }) {
          nodes { upsalesId ref: ${ref.field} ${ref.selection} }
        }
      }`);
      expect(result.errors).toBeUndefined();
      const key = isItemKind(ref.target) ? 'upsalesId' : 'id';
      expect(result.data!.list.nodes).toEqual(items.map((item) => {
        const targets = idsAt(item, ref.path).map((id) => ({ [key]: id }));
        return { upsalesId: item.id, ref: ref.list ? targets : targets[0] };
      }));
      // One call for the page, one for all referenced items (none when they are on the page already) or the metadata list.
      const referenced = items.flatMap((item) => idsAt(item, ref.path));
      const primed = ref.target === ref.kind && referenced.every((id) => items.some((item) => item.id === id));
      const page = `${KINDS[ref.kind].service}.getByCriteria`;
      const expected = ref.embedded || primed ? { [page]: 1 }
        : isItemKind(ref.target) ? (ref.target === ref.kind ? { [page]: 2 } : { [page]: 1, [`${KINDS[ref.target].service}.getByCriteria`]: 1 })
          : { [page]: 1, [`MetadataService.${META_KINDS[ref.target].operation}`]: 1 };
      expect((await stack.stats()).calls.byOperation).toEqual(expected);
    });
  }

  it('order rows resolve to their products and the products to their categories', async () => {
    const orders = (await stack.client().getByCriteria('order', { sort: [{ field: 'id' }], limit: 10 })).items;
    const products = await all('product');
    await stack.resetStats();
    const result = await stack.query<{ orders: { nodes: { rows: { quantity: number; price: number; product: { upsalesId: number; category: { id: number } | null } }[] }[] } }>(`{
      orders(first: 10) { nodes { rows { quantity price product { upsalesId category { id } } } } }
    }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.orders.nodes).toEqual(orders.map((order) => ({
      rows: (order.orderRow as { quantity: number; price: number; product: { id: number } }[]).map((row) => {
        const product = products.find((p) => p.id === row.product.id)!;
        return { quantity: row.quantity, price: row.price, product: { upsalesId: row.product.id, category: { id: (product.category as { id: number }).id } } };
      }),
    })));
    expect((await stack.stats()).calls.byOperation).toEqual({
      'OrderService.getByCriteria': 1, 'ProductService.getByCriteria': 1, 'MetadataService.getProductCategories': 1,
    });
  });
});

describe('orders and opportunities split one upstream entity', () => {
  it('Client.orders hold only probability 100, Client.opportunities only 0..99, and together every order of the data', async () => {
    const orders = await all('order');
    const opportunities = await all('opportunity');
    const count = (list: Item[], id: number) => list.filter((item) => idsAt(item, 'client.id').includes(id)).length;
    const clientId = (await all('client')).map((c) => c.id!).find((id) => count(orders, id) > 0 && count(opportunities, id) > 0)!;
    const result = await stack.query<{
      client: { orders: { totalCount: number; nodes: { upsalesId: number; probability: number }[] }; opportunities: { totalCount: number; nodes: { upsalesId: number; probability: number }[] } };
      all: { totalCount: number }; open: { totalCount: number };
    }>(`{
      client(upsalesId: ${clientId}) {
        orders(first: 100) { totalCount nodes { upsalesId probability } }
        opportunities(first: 100) { totalCount nodes { upsalesId probability } }
      }
      all: orders { totalCount }
      open: opportunities { totalCount }
    }`);
    expect(result.errors).toBeUndefined();
    const { client } = result.data!;
    expect(client.orders.totalCount).toBe(count(orders, clientId));
    expect(client.opportunities.totalCount).toBe(count(opportunities, clientId));
    expect(client.orders.nodes.every((order) => order.probability === 100)).toBe(true);
    expect(client.opportunities.nodes.every((opp) => opp.probability >= 0 && opp.probability <= 99)).toBe(true);
    const orderIds = new Set(client.orders.nodes.map((order) => order.upsalesId));
    expect(client.opportunities.nodes.some((opp) => orderIds.has(opp.upsalesId))).toBe(false);
    // The demo data has 1500 orders in all stages: each is an order or an opportunity.
    expect(result.data!.all.totalCount + result.data!.open.totalCount).toBe(1500);
    expect(result.data!.all.totalCount).toBe(orders.length);
  });

  it('an opportunity id is not an order', async () => {
    const [opportunity] = (await stack.client().getByCriteria('opportunity', { limit: 1 })).items;
    const result = await stack.query(`{ order(upsalesId: ${opportunity.id}) { upsalesId } opportunity(upsalesId: ${opportunity.id}) { upsalesId } }`);
    expect(result.data).toEqual({ order: null, opportunity: { upsalesId: opportunity.id } });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ path: ['order'], extensions: { code: 'NOT_FOUND' } });
  });
});

describe('metadata', () => {
  it('order stages, activity and appointment types, client categories and currencies are the account\'s', async () => {
    await stack.resetStats();
    const result = await stack.query(`{
      orderStages { id name probability }
      activityTypes { id name }
      appointmentTypes { id name }
      clientCategories { id name }
      currencies { iso rate masterCurrency active }
    }`);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      orderStages: META.orderStages, activityTypes: META.activityTypes, appointmentTypes: META.appointmentTypes,
      clientCategories: META.clientCategories, currencies: META.currencies,
    });
    expect((await stack.stats()).calls.total).toBe(5);
  });

  it('an order\'s stage is the stage of its probability', async () => {
    const orders = (await stack.client().getByCriteria('opportunity', { sort: [{ field: 'id' }], limit: 20 })).items;
    const result = await stack.query<{ opportunities: { nodes: { probability: number; stage: { id: number; name: string; probability: number } }[] } }>(
      '{ opportunities(first: 20) { nodes { probability stage { id name probability } } } }',
    );
    expect(result.data!.opportunities.nodes).toEqual(orders.map((order) => {
      const stage = META.orderStages.find((s) => s.id === (order.stage as { id: number }).id)!;
      return { probability: order.probability, stage };
    }));
  });

  it('the product category tree: parent and children', async () => {
    await stack.resetStats();
    const result = await stack.query<{ productCategories: { id: number; name: string; parentId: number | null; parent: { id: number } | null; children: { id: number }[] }[] }>(
      '{ productCategories { id name parentId parent { id } children { id } } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.productCategories).toEqual(META.productCategories.map((category) => ({
      ...category,
      parent: category.parentId === null ? null : { id: category.parentId },
      children: META.productCategories.filter((c) => c.parentId === category.id).map((c) => ({ id: c.id })),
    })));
    expect(result.data!.productCategories.find((c) => c.id === 1)!.children).toEqual([{ id: 2 }, { id: 3 }]);
    expect((await stack.stats()).calls.byOperation).toEqual({ 'MetadataService.getProductCategories': 1 });
  });

  it('roles with their tree and rights', async () => {
    const result = await stack.query<{ roles: unknown[] }>('{ roles { id name parentId parent { id } children { id } rights { kind access change delete } } }');
    expect(result.errors).toBeUndefined();
    expect(result.data!.roles).toEqual(META.roles.map((role) => ({
      id: role.id, name: role.name, parentId: role.parentId,
      parent: role.parentId === null ? null : { id: role.parentId },
      children: META.roles.filter((r) => r.parentId === role.id).map((r) => ({ id: r.id })),
      rights: role.rights,
    })));
  });

  it('a user\'s role is the role the upstream names', async () => {
    const result = await stack.query<{ me: { role: { id: number; name: string; rights: { kind: string; access: string }[] } } }>(
      '{ me { role { id name rights { kind access } } } }', { as: 'sales' },
    );
    const sales = META.roles.find((role) => role.name === 'Sales')!;
    expect(result.data!.me.role).toEqual({ id: sales.id, name: 'Sales', rights: sales.rights.map(({ kind, access }) => ({ kind, access })) });
  });

  it('custom field definitions, of one set or all, with Select options', async () => {
    await stack.resetStats();
    const result = await stack.query<{ client: unknown[]; all: { id: number }[] }>(`{
      client: customFieldDefinitions(kind: "client") { id kind name alias datatype required editable sortId options }
      all: customFieldDefinitions { id }
    }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.client).toEqual(META.customFields.filter((def) => def.kind === 'client').map((def) => ({
      id: def.id, kind: 'client', name: def.name, alias: def.alias, datatype: def.datatype,
      required: def.required, editable: def.editable, sortId: def.sortId, options: def.options ?? [],
    })));
    expect(result.data!.client).toContainEqual(expect.objectContaining({ alias: 'CLIENT_SELECT', options: ['SMB', 'Mid-market', 'Enterprise', 'Offentlig sektor'] }));
    expect(result.data!.all.map((def) => def.id)).toEqual(META.customFields.map((def) => def.id));
    // Both fields share the request's one getCustomFields call.
    expect((await stack.stats()).calls.byOperation).toEqual({ 'MetadataService.getCustomFields': 1 });
  });
});

const VALUE_FIELDS = 'fieldId raw alias datatype string int float boolean date time list user { upsalesId }';

/** What a custom value reads as, by its definition's datatype. */
function typedValue(fieldId: number, raw: string) {
  const def = META.customFields.find((d) => d.id === fieldId)!;
  const is = (...types: string[]) => types.includes(def.datatype);
  return {
    fieldId, raw, alias: def.alias, datatype: def.datatype,
    string: is('String', 'Text', 'Email', 'Link', 'Phone', 'Select') ? raw : null,
    int: is('Integer') ? Number.parseInt(raw, 10) : null,
    float: is('Integer', 'Currency', 'Percent', 'Discount') ? Number(raw) : null,
    boolean: is('Boolean') ? raw === 'true' : null,
    date: is('Date') ? raw : null,
    time: is('Time') ? raw : null,
    list: is('MultiSelect') ? raw.split(';') : null,
    user: is('User') ? { upsalesId: Number(raw) } : null,
  };
}

describe('custom field values', () => {
  it('every datatype reads as its typed value', async () => {
    const clients = await all('client');
    const wanted = META.customFields.filter((def) => def.kind === 'client');
    // For each datatype, the first client with a value of it.
    const picked = [...new Set(wanted.map((def) => clients.find((c) => c.customfield?.some((v) => v.fieldId === def.id))!.id!))];
    const result = await stack.query<{ clients: { nodes: { upsalesId: number; customFields: unknown[] }[] } }>(`{
      clients(first: 100, filter: { id: { in: ${JSON.stringify(picked.map(String))} } }) { nodes { upsalesId customFields { ${VALUE_FIELDS} } } }
    }`);
    expect(result.errors).toBeUndefined();
    const expected = picked.sort((a, b) => a - b).map((id) => ({
      upsalesId: id, customFields: clients.find((c) => c.id === id)!.customfield!.map((v) => typedValue(v.fieldId, v.value)),
    }));
    expect(result.data!.clients.nodes).toEqual(expected);
    const seen = new Set(expected.flatMap((c) => c.customFields.map((v) => v.datatype)));
    for (const datatype of ['String', 'Integer', 'Currency', 'Boolean', 'Date', 'Time', 'Select', 'MultiSelect', 'User']) expect(seen).toContain(datatype);
    expect(expected.flatMap((c) => c.customFields).some((v) => v.boolean === true)).toBe(true);
    expect(expected.flatMap((c) => c.customFields).some((v) => (v.list?.length ?? 0) > 1)).toBe(true);
  });

  it('customFields(fields:) picks by id or alias, in the item\'s order', async () => {
    const [client] = (await stack.client().getByCriteria('client', {
      criteria: [{ field: 'custom.3', operator: 'isNull', values: ['false'] }, { field: 'custom.10', operator: 'isNull', values: ['false'] }], limit: 1,
    })).items;
    const byId = new Map(client.customfield!.map((v) => [v.fieldId, v.value]));
    const result = await stack.query<{ client: { picked: unknown[]; byAlias: unknown[]; none: unknown[] } }>(`{
      client(upsalesId: ${client.id}) {
        picked: customFields(fields: ["CLIENT_SELECT", "3"]) { fieldId raw int string }
        byAlias: customFields(fields: ["CLIENT_INTEGER"]) { fieldId int }
        none: customFields(fields: ["NO_SUCH_ALIAS", "99999"]) { fieldId }
      }
    }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.client).toEqual({
      picked: [
        { fieldId: 3, raw: byId.get(3), int: Number(byId.get(3)), string: null },
        { fieldId: 10, raw: byId.get(10), int: null, string: byId.get(10) },
      ],
      byAlias: [{ fieldId: 3, int: Number(byId.get(3)) }],
      none: [],
    });
  });

  it('every kind and order rows carry their custom values', async () => {
    for (const kind of Object.keys(KINDS) as ItemKind[]) {
      const [item] = (await stack.client().getByCriteria(kind, { sort: [{ field: 'id' }], limit: 1 })).items;
      const result = await stack.query<Record<string, { customFields: unknown[] }>>(
        `{ item: ${lowerFirst(typeName(kind))}(upsalesId: ${item.id}) { customFields { fieldId raw datatype } } }`,
      );
      expect(result.errors, kind).toBeUndefined();
      expect(result.data!.item.customFields, kind).toEqual((item.customfield ?? []).map((v) => ({
        fieldId: v.fieldId, raw: v.value, datatype: META.customFields.find((d) => d.id === v.fieldId)!.datatype,
      })));
      expect(item.customfield?.length, kind).toBeGreaterThan(0);
    }
    const [order] = (await stack.client().getByCriteria('order', { sort: [{ field: 'id' }], limit: 1 })).items;
    const rows = order.orderRow as { customfield?: { fieldId: number; value: string }[] }[];
    const result = await stack.query<{ order: { rows: { customFields: unknown[] }[] } }>(
      `{ order(upsalesId: ${order.id}) { rows { customFields { fieldId raw alias } } } }`,
    );
    expect(result.data!.order.rows).toEqual(rows.map((row) => ({
      customFields: (row.customfield ?? []).map((v) => ({ fieldId: v.fieldId, raw: v.value, alias: META.customFields.find((d) => d.id === v.fieldId)!.alias })),
    })));
    expect(rows.some((row) => (row.customfield?.length ?? 0) > 0)).toBe(true);
  });
});

/** The demo data: deterministic, sized by scale, every relation filled, custom values of every datatype. */
import { describe, expect, it } from 'vitest';
import { CUSTOM_FIELD_DATATYPES, ITEM_KINDS, KINDS } from '../../src/contract/kinds.js';
import { BASE_SIZES, generateDemoData } from '../../src/simulator/data/generate-demo-data.js';
import { simulatorOptionsFromEnv } from '../../src/simulator/index.js';
import type { Rec, Store } from '../../src/simulator/store.js';

const dump = (store: Store): string => JSON.stringify([...store.entities].map(([name, map]) => [name, [...map.values()]]));
const store = generateDemoData({ seed: 1, scale: 1 });
const records = (entity: string): Rec[] => [...store.entities.get(entity)!.values()];

describe('determinism and size', () => {
  it('same seed, same data; another seed, other data', () => {
    const a = generateDemoData({ seed: 3, scale: 0.1 });
    const b = generateDemoData({ seed: 3, scale: 0.1 });
    expect(dump(a)).toBe(dump(b));
    expect(dump(generateDemoData({ seed: 4, scale: 0.1 }))).not.toBe(dump(a));
  });

  it('has the default sizes at scale 1, 15 users, and scales everything but users', () => {
    for (const [entity, size] of Object.entries(BASE_SIZES)) expect(records(entity), entity).toHaveLength(size);
    expect(records('user')).toHaveLength(15);
    const small = generateDemoData({ seed: 1, scale: 0.5 });
    expect(small.entities.get('client')!.size).toBe(250);
    expect(small.entities.get('user')!.size).toBe(15);
  });

  it('mixes orders, open opportunities and lost ones', () => {
    const probabilities = records('order').map((o) => o.probability as number);
    expect(probabilities.filter((p) => p === 100).length).toBeGreaterThan(600);
    expect(probabilities.filter((p) => p > 0 && p < 100).length).toBeGreaterThan(450);
    expect(probabilities.filter((p) => p === 0).length).toBeGreaterThan(80);
  });
});

describe('relations and values', () => {
  it('every reference points at an existing item', () => {
    for (const kind of ITEM_KINDS) {
      for (const [field, spec] of Object.entries(KINDS[kind].fields)) {
        if (spec.type !== 'ref' && spec.type !== 'refs') continue;
        for (const rec of records(KINDS[kind].entity)) {
          const ids = spec.type === 'ref' ? (rec[field] == null ? [] : [rec[field] as number]) : (rec[field] as number[] | undefined) ?? [];
          for (const id of ids) expect(store.exists(spec.target, id), `${kind}.${field} -> ${id}`).toBe(true);
        }
      }
    }
  });

  it('fills the relations the issue names', () => {
    expect(records('client').every((c) => (c.users as number[]).length > 0)).toBe(true);
    expect(records('contact').every((c) => typeof c.client === 'number')).toBe(true);
    expect(records('order').every((o) => (o.orderRow as unknown[]).length > 0 && typeof o.user === 'number')).toBe(true);
    expect(records('activity').filter((a) => (a.contacts as number[]).length > 0).length).toBeGreaterThan(2000);
    expect(records('appointment').filter((a) => a.opportunity != null).length).toBeGreaterThan(50);
    expect(records('agreement').every((a) => a.startDate && a.intervalPeriod)).toBe(true);
  });

  it('has values of every custom field datatype for every definition set', () => {
    const defs = new Map(store.meta.customFields.map((d) => [d.id, d]));
    const seen = new Map<string, Set<string>>();
    const note = (values: Rec['customfield']) => {
      for (const v of values ?? []) {
        const def = defs.get(v.fieldId)!;
        seen.set(def.kind, (seen.get(def.kind) ?? new Set()).add(def.datatype));
      }
    };
    for (const [, map] of store.entities) for (const rec of map.values()) {
      note(rec.customfield);
      for (const row of (rec.orderRow as Rec[] | undefined) ?? []) note(row.customfield);
    }
    for (const kind of new Set(store.meta.customFields.map((d) => d.kind))) expect([...seen.get(kind)!].sort(), kind).toEqual([...CUSTOM_FIELD_DATATYPES].sort());
  });

  it('reads like the Nordics', () => {
    const cities = new Set(records('client').flatMap((c) => (c.addresses as { city: string }[]).map((a) => a.city)));
    for (const city of ['Stockholm', 'Göteborg', 'Malmö', 'Oslo', 'Helsinki', 'Köpenhamn']) expect(cities.has(city), city).toBe(true);
    const swedish = records('client').find((c) => String(c.name).endsWith(' AB'))!;
    expect(swedish.orgNo).toMatch(/^556\d{3}-\d{4}$/);
    expect(records('contact')[0].email).toMatch(/^[a-z]+\.[a-z]+@[a-z0-9]+\.(se|no|fi|dk)$/);
  });
});

describe('configuration', () => {
  it('reads SIM_* variables and refuses nonsense', () => {
    expect(simulatorOptionsFromEnv({ SIM_PORT: '0', SIM_SCALE: '0.5', SIM_THROTTLE_CALLS: '5', SIM_BATCH_MAX: '' })).toEqual({ port: 0, scale: 0.5, throttleCalls: 5 });
    expect(() => simulatorOptionsFromEnv({ SIM_LATENCY_MS: 'slow' })).toThrow(/SIM_LATENCY_MS/);
  });
});

/**
 * The deterministic demo data generator: same seed and scale, same data.
 * Every relation is filled, and every record carries custom values of its
 * kind's definitions. Dates are relative to a fixed day, not to "now".
 */
import type { ItemKind } from '../../contract/kinds.js';
import type { CustomFieldDefinition, CustomFieldValue } from '../../contract/types.js';
import { derive } from '../items/item-writes.js';
import { Store, type Rec } from '../store.js';
import { demoMetadata } from './demo-metadata.js';
import { DEMO_LOGINS, GENERATED_USER_ROLES } from './demo-users.js';
import {
  ACTIVITY_TEXTS, APPOINTMENT_TEXTS, CITIES, COMPANY_FIRST, COMPANY_SECOND, COUNTRY, FIRST_NAMES, LAST_NAMES, LEAD_SOURCES,
  PRODUCT_TIERS, PRODUCT_WORDS, PROJECT_NAMES, STREETS, TITLES, type CountryCode,
} from './nordic-words.js';
import { Random } from './random.js';

/** Sizes at scale 1. Users and metadata do not scale. */
export const BASE_SIZES = {
  client: 500, contact: 2000, order: 1500, activity: 3000, appointment: 1000, product: 100, project: 20, lead: 300, agreement: 100,
};

const DAY = 86_400_000;
const TODAY = Date.UTC(2025, 5, 2);
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const isoDateTime = (ms: number): string => new Date(ms).toISOString();
const slug = (s: string): string => s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ø/g, 'o').replace(/[^a-z0-9]+/g, '');

function orgNo(rnd: Random, country: CountryCode): string {
  switch (country) {
    case 'SE': return `556${rnd.digits(3)}-${rnd.digits(4)}`;
    case 'NO': return `9${rnd.digits(8)}`;
    case 'FI': return `${rnd.digits(7)}-${rnd.digits(1)}`;
    case 'DK': return `${rnd.int(1, 9)}${rnd.digits(7)}`;
  }
}

function phone(rnd: Random, country: CountryCode, area: string): string {
  return `${COUNTRY[country].dial} ${area} ${rnd.digits(3)} ${rnd.digits(2)} ${rnd.digits(2)}`;
}

export function generateDemoData({ seed, scale }: { seed: number; scale: number }): Store {
  const rnd = new Random(seed);
  const store = new Store(demoMetadata());
  const size = (kind: keyof typeof BASE_SIZES): number => Math.max(1, Math.round(BASE_SIZES[kind] * scale));
  const defsByKind = new Map<string, CustomFieldDefinition[]>();
  for (const def of store.meta.customFields) defsByKind.set(def.kind, [...(defsByKind.get(def.kind) ?? []), def]);

  const add = (kind: ItemKind, fields: Record<string, unknown>, createdDaysAgo: number, regBy: number): Rec => {
    const id = store.nextId(kind === 'opportunity' ? 'order' : kind);
    const regDate = isoDateTime(TODAY - createdDaysAgo * DAY + rnd.int(8 * 3600, 17 * 3600) * 1000);
    const rec: Rec = { id, regDate, modDate: regDate, regBy, ...fields };
    derive(kind, rec);
    store.entity(kind).set(id, rec);
    return rec;
  };

  const users: Rec[] = [];
  const userIds = (): number[] => users.map((u) => u.id);
  const customValues = (defKind: string, fill: number): CustomFieldValue[] =>
    (defsByKind.get(defKind) ?? []).filter(() => rnd.chance(fill)).map((def) => ({ fieldId: def.id, value: customValue(rnd, def, userIds()) }));

  // Users: the demo logins first, then generated sales people.
  const generated = GENERATED_USER_ROLES.map((role, i) => {
    const first = FIRST_NAMES[(i * 7 + seed) % FIRST_NAMES.length];
    const last = LAST_NAMES[(i * 11 + seed) % LAST_NAMES.length];
    const email = `${slug(first)}.${slug(last)}@demo.test`;
    return { name: `${first} ${last}`, email, password: `pw-${slug(first)}-${i + 1}`, role, administrator: false, apiAccess: i % 3 !== 2 };
  });
  for (const u of [...DEMO_LOGINS, ...generated]) {
    users.push(add('user', { name: u.name, email: u.email, role: u.role, administrator: u.administrator, active: true, apiAccess: u.apiAccess }, 900, 1));
    store.passwords.set(u.email.toLowerCase(), u.password);
  }
  for (const u of users) u.customfield = customValues('user', 0.5);
  const salesUsers = users.filter((u) => !['reader@demo.test', 'noapi@demo.test'].includes(String(u.email)));
  const salesId = users[1].id;
  /** Account managers: the sales login gets a fair share of its own. */
  const pickOwner = (): number => (rnd.chance(0.12) ? salesId : rnd.pick(salesUsers).id);

  const products: Rec[] = [];
  const leafCategories = store.meta.productCategories.filter((c) => !store.meta.productCategories.some((o) => o.parentId === c.id));
  for (let i = 0; i < size('product'); i++) {
    const listPrice = rnd.pick([450, 990, 1500, 4900, 9900, 12000, 24500]) * (1 + (i % 3));
    products.push(add('product', {
      name: `${rnd.pick(PRODUCT_WORDS)} ${rnd.pick(PRODUCT_TIERS)}${i >= PRODUCT_WORDS.length * PRODUCT_TIERS.length ? ` ${i + 1}` : ''}`,
      articleNo: `ART-${1001 + i}`, listPrice, purchaseCost: Math.round(listPrice * (0.3 + rnd.next() * 0.3)),
      category: rnd.pick(leafCategories).id, active: rnd.chance(0.92), customfield: customValues('product', 0.5),
    }, rnd.int(200, 900), 1));
  }

  const projects: Rec[] = [];
  for (let i = 0; i < size('project'); i++) {
    const start = TODAY - rnd.int(-60, 400) * DAY;
    projects.push(add('project', {
      name: `${PROJECT_NAMES[i % PROJECT_NAMES.length]} ${2024 + (i % 3)}${i >= PROJECT_NAMES.length ? ` (${Math.floor(i / PROJECT_NAMES.length) + 1})` : ''}`,
      startDate: isoDate(start), endDate: isoDate(start + rnd.int(30, 120) * DAY), active: rnd.chance(0.7),
      quota: rnd.int(5, 50) * 10000, notes: 'Kampanj för att nå nya kunder i Norden.',
      users: rnd.sample(userIds(), rnd.int(1, 3)), customfield: customValues('project', 0.5),
    }, rnd.int(30, 400), 1));
  }

  const clients: Rec[] = [];
  const usedNames = new Set<string>();
  for (let i = 0; i < size('client'); i++) {
    const place = rnd.pick(CITIES);
    const country = COUNTRY[place.countryCode];
    let base = `${rnd.pick(COMPANY_FIRST)}${rnd.pick(COMPANY_SECOND).toLowerCase()}`;
    if (usedNames.has(base)) base = `${base} ${place.city}`;
    if (usedNames.has(base)) base = `${base} ${i + 1}`;
    usedNames.add(base);
    const name = `${base} ${country.legal}`;
    const owners = rnd.chance(0.25) ? [pickOwner(), pickOwner()].filter((v, j, a) => a.indexOf(v) === j) : [pickOwner()];
    clients.push(add('client', {
      name, orgNo: orgNo(rnd, place.countryCode), phone: phone(rnd, place.countryCode, place.area),
      fax: rnd.chance(0.2) ? phone(rnd, place.countryCode, place.area) : null,
      webpage: `https://www.${slug(base)}.${country.tld}`, notes: rnd.chance(0.3) ? `Kund sedan ${2010 + rnd.int(0, 14)}.` : null,
      active: rnd.chance(0.9), parent: i > 20 && rnd.chance(0.08) ? rnd.pick(clients).id : null,
      addresses: [
        { type: 'Visit', address: `${rnd.pick(STREETS)} ${rnd.int(1, 120)}`, zipcode: `${rnd.digits(3)} ${rnd.digits(2)}`, city: place.city, country: country.name },
        ...(rnd.chance(0.4) ? [{ type: 'Invoice', address: `Box ${rnd.int(100, 9999)}`, zipcode: `${rnd.digits(3)} ${rnd.digits(2)}`, city: place.city, country: country.name }] : []),
      ],
      users: owners, categories: rnd.sample([1, 2, 3, 4], rnd.int(0, 2)),
      turnover: rnd.int(1, 5000) * 100000, noEmployees: rnd.int(1, 2500), customfield: customValues('client', 0.5),
    }, rnd.int(30, 1500), rnd.pick(userIds())));
  }
  const domainOf = (client: Rec): string => String(client.webpage).replace('https://www.', '');

  const contactsByClient = new Map<number, number[]>();
  for (let i = 0; i < size('contact'); i++) {
    const client = i < clients.length ? clients[i] : rnd.pick(clients);
    const firstName = rnd.pick(FIRST_NAMES);
    const lastName = rnd.pick(LAST_NAMES);
    const place = CITIES.find((c) => c.city === (client.addresses as { city: string }[])[0].city)!;
    const contact = add('contact', {
      client: client.id, firstName, lastName, title: rnd.pick(TITLES), email: `${slug(firstName)}.${slug(lastName)}@${domainOf(client)}`,
      phone: phone(rnd, place.countryCode, place.area), cellPhone: `${COUNTRY[place.countryCode].dial} 7${rnd.digits(2)} ${rnd.digits(3)} ${rnd.digits(3)}`,
      notes: rnd.chance(0.2) ? 'Föredrar mejl före telefon.' : null, active: rnd.chance(0.95), customfield: customValues('contact', 0.5),
    }, rnd.int(10, 1400), rnd.pick(userIds()));
    contactsByClient.set(client.id as number, [...(contactsByClient.get(client.id as number) ?? []), contact.id]);
  }

  const orderFields = (client: Rec, probability: number, stage: number) => {
    const contacts = contactsByClient.get(client.id) ?? [];
    const rows = Array.from({ length: rnd.int(1, 4) }, (_, r) => {
      const product = rnd.pick(products);
      const discount = rnd.pick([0, 0, 0, 5, 10, 15]);
      return {
        id: store.nextId('orderRow'), product: product.id, quantity: rnd.int(1, 20), price: Math.round((product.listPrice as number) * (1 - discount / 100)),
        listPrice: product.listPrice, discount, purchaseCost: product.purchaseCost, sortId: r + 1, customfield: customValues('orderRow', 0.3),
      };
    });
    const first = products.find((p) => p.id === rows[0].product)!;
    const date = TODAY - rnd.int(-90, 700) * DAY;
    return {
      description: `${first.name} till ${String(client.name).replace(/ (AB|AS|Oy|A\/S)$/, '')}`,
      date: isoDate(date), closeDate: isoDate(date + rnd.int(0, 60) * DAY), client: client.id,
      contact: contacts.length ? rnd.pick(contacts) : null, user: rnd.pick(client.users as number[]),
      project: rnd.chance(0.2) ? rnd.pick(projects).id : null, stage: { id: stage }, probability,
      currency: rnd.chance(0.85) ? 'SEK' : rnd.pick(['EUR', 'NOK', 'DKK']), notes: rnd.chance(0.2) ? 'Leverans enligt överenskommelse.' : null,
      orderRow: rows,
    };
  };

  const opportunitiesByClient = new Map<number, number[]>();
  const openStages = store.meta.orderStages.filter((s) => s.probability > 0 && s.probability < 100);
  for (let i = 0; i < size('order'); i++) {
    const client = rnd.pick(clients);
    const roll = rnd.next();
    const stage = roll < 0.5 ? store.meta.orderStages.find((s) => s.probability === 100)! : roll < 0.9 ? rnd.pick(openStages) : store.meta.orderStages.find((s) => s.probability === 0)!;
    const kind = stage.probability === 100 ? 'order' : 'opportunity';
    const rec = add(kind, { ...orderFields(client, stage.probability, stage.id), customfield: customValues('order', 0.5) }, rnd.int(1, 700), pickOwner());
    if (kind === 'opportunity') opportunitiesByClient.set(client.id, [...(opportunitiesByClient.get(client.id) ?? []), rec.id]);
  }

  for (let i = 0; i < size('agreement'); i++) {
    const client = rnd.pick(clients);
    const start = TODAY - rnd.int(0, 700) * DAY;
    const interval = rnd.pick([1, 3, 6, 12]);
    add('agreement', {
      ...orderFields(client, 100, 6), startDate: isoDate(start), endDate: rnd.chance(0.3) ? isoDate(start + 730 * DAY) : null,
      intervalPeriod: interval, nextOrderDate: isoDate(TODAY + rnd.int(1, interval * 30) * DAY), customfield: customValues('agreement', 0.5),
    }, rnd.int(1, 700), pickOwner());
  }

  const related = (client: Rec) => {
    const contacts = contactsByClient.get(client.id) ?? [];
    const opportunities = opportunitiesByClient.get(client.id) ?? [];
    return {
      client: client.id, contacts: rnd.sample(contacts, rnd.int(contacts.length ? 1 : 0, Math.min(2, contacts.length))),
      users: [rnd.pick(client.users as number[])], project: rnd.chance(0.1) ? rnd.pick(projects).id : null,
      opportunity: opportunities.length && rnd.chance(0.3) ? rnd.pick(opportunities) : null,
    };
  };

  for (let i = 0; i < size('activity'); i++) {
    const client = rnd.pick(clients);
    const date = TODAY - rnd.int(-30, 365) * DAY;
    add('activity', {
      description: rnd.pick(ACTIVITY_TEXTS), date: isoDate(date), closeDate: date < TODAY && rnd.chance(0.7) ? isoDate(date + rnd.int(0, 5) * DAY) : null,
      activityType: rnd.int(1, 4), priority: rnd.int(0, 3), ...related(client), notes: rnd.chance(0.2) ? 'Kunden bad om återkoppling nästa vecka.' : null,
      customfield: customValues('activity', 0.5),
    }, rnd.int(1, 365), pickOwner());
  }

  for (let i = 0; i < size('appointment'); i++) {
    const client = rnd.pick(clients);
    const start = TODAY - rnd.int(-60, 365) * DAY + rnd.int(8, 16) * 3600_000;
    const place = (client.addresses as { city: string; address: string }[])[0];
    add('appointment', {
      description: rnd.pick(APPOINTMENT_TEXTS), date: isoDateTime(start), endDate: isoDateTime(start + rnd.pick([30, 60, 90, 120]) * 60_000),
      location: rnd.chance(0.7) ? `${place.address}, ${place.city}` : 'Teams', appointmentType: rnd.int(1, 4), ...related(client),
      notes: rnd.chance(0.2) ? 'Ta med offertunderlag.' : null, private: rnd.chance(0.1), customfield: customValues('appointment', 0.5),
    }, rnd.int(1, 365), pickOwner());
  }

  for (let i = 0; i < size('lead'); i++) {
    const place = rnd.pick(CITIES);
    const firstName = rnd.pick(FIRST_NAMES);
    const lastName = rnd.pick(LAST_NAMES);
    const company = `${rnd.pick(COMPANY_FIRST)}${rnd.pick(COMPANY_SECOND).toLowerCase()} ${COUNTRY[place.countryCode].legal}`;
    add('lead', {
      name: company, contact: `${firstName} ${lastName}`, email: `${slug(firstName)}@${slug(company)}.${COUNTRY[place.countryCode].tld}`,
      phone: phone(rnd, place.countryCode, place.area), source: rnd.pick(LEAD_SOURCES), client: rnd.chance(0.2) ? rnd.pick(clients).id : null,
      project: rnd.chance(0.2) ? rnd.pick(projects).id : null, user: pickOwner(), active: rnd.chance(0.8), customfield: customValues('lead', 0.5),
    }, rnd.int(1, 200), pickOwner());
  }
  return store;
}

function customValue(rnd: Random, def: CustomFieldDefinition, users: number[]): string {
  switch (def.datatype) {
    case 'String': return `REF-${rnd.digits(5)}`;
    case 'Text': return rnd.pick(['Långvarig relation, köper främst via partner.', 'Intresserad av utökat supportavtal.', 'Har haft leveransproblem tidigare.']);
    case 'Integer': return String(rnd.int(1, 5000));
    case 'Currency': return String(rnd.int(1, 500) * 1000);
    case 'Percent': return String(rnd.int(0, 60));
    case 'Discount': return String(rnd.pick([0, 5, 10, 12.5, 20]));
    case 'Boolean': return String(rnd.chance(0.3));
    case 'Date': return isoDate(TODAY + rnd.int(-200, 200) * DAY);
    case 'Time': return `${String(rnd.int(8, 17)).padStart(2, '0')}:${rnd.pick(['00', '15', '30', '45'])}`;
    case 'Select': return rnd.pick(def.options!);
    case 'MultiSelect': return def.options!.filter(() => rnd.chance(0.4)).join(';') || def.options![0];
    case 'Email': return `faktura${rnd.digits(3)}@demo.test`;
    case 'Link': return `https://www.example.com/${rnd.digits(4)}`;
    case 'Phone': return `+46 8 ${rnd.digits(3)} ${rnd.digits(2)} ${rnd.digits(2)}`;
    case 'User': return String(rnd.pick(users));
  }
}

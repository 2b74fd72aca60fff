/**
 * The fixed metadata of the demo account: order stages, types, categories,
 * currencies, roles with their rights, and custom field definitions of every
 * datatype for every definition set.
 */
import { CUSTOM_FIELD_DATATYPES, CUSTOM_FIELD_KINDS, ITEM_KINDS, type CustomFieldDatatype, type ItemKind } from '../../contract/kinds.js';
import type { CustomFieldDefinition, KindRights, RightLevel, Role } from '../../contract/types.js';
import type { Metadata } from '../store.js';

export const ROLE = { management: 1, sales: 2, salesJuniors: 3, keyAccounts: 4, readers: 5, support: 6 } as const;

function rights(access: RightLevel, change: RightLevel, del: RightLevel, overrides: Partial<Record<ItemKind, readonly [RightLevel, RightLevel, RightLevel]>> = {}): KindRights[] {
  return ITEM_KINDS.map((kind) => {
    const [a, c, d] = overrides[kind] ?? [access, change, del];
    return { kind, access: a, change: c, delete: d };
  });
}

const SHARED_READS = { product: ['all', 'none', 'none'], user: ['all', 'none', 'none'], project: ['all', 'none', 'none'] } as const;

const ROLES: Role[] = [
  { id: ROLE.management, name: 'Ledning', parentId: null, rights: rights('all', 'all', 'all') },
  { id: ROLE.sales, name: 'Sales', parentId: ROLE.management, rights: rights('role', 'own', 'none', SHARED_READS) },
  { id: ROLE.salesJuniors, name: 'Sales Juniors', parentId: ROLE.sales, rights: rights('own', 'own', 'none', SHARED_READS) },
  { id: ROLE.keyAccounts, name: 'Key Accounts', parentId: ROLE.management, rights: rights('all', 'all', 'own', SHARED_READS) },
  { id: ROLE.readers, name: 'Readers', parentId: null, rights: rights('all', 'none', 'none') },
  { id: ROLE.support, name: 'Support', parentId: null, rights: rights('all', 'own', 'none', SHARED_READS) },
];

const FIELD_NAMES: Record<CustomFieldDatatype, { name: string; options?: string[] }> = {
  String: { name: 'Referenskod' },
  Text: { name: 'Bakgrund' },
  Integer: { name: 'Antal anställda (uppskattat)' },
  Currency: { name: 'Budget' },
  Percent: { name: 'Marginal' },
  Discount: { name: 'Rabatt' },
  Boolean: { name: 'VIP' },
  Date: { name: 'Nästa genomgång' },
  Time: { name: 'Bästa tid att ringa' },
  Select: { name: 'Segment', options: ['SMB', 'Mid-market', 'Enterprise', 'Offentlig sektor'] },
  MultiSelect: { name: 'Intressen', options: ['Mjukvara', 'Hårdvara', 'Tjänster', 'Utbildning', 'Support'] },
  Email: { name: 'Fakturamejl' },
  Link: { name: 'Extern länk' },
  Phone: { name: 'Växel' },
  User: { name: 'Ansvarig' },
};

function customFields(): CustomFieldDefinition[] {
  let id = 0;
  return CUSTOM_FIELD_KINDS.flatMap((kind) => CUSTOM_FIELD_DATATYPES.map((datatype, i): CustomFieldDefinition => ({
    id: ++id,
    kind,
    name: FIELD_NAMES[datatype].name,
    alias: `${kind.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_${datatype.toUpperCase()}`,
    datatype,
    ...(FIELD_NAMES[datatype].options && { options: FIELD_NAMES[datatype].options }),
    required: false,
    editable: true,
    sortId: i + 1,
  })));
}

export function demoMetadata(): Metadata {
  return {
    orderStages: [
      { id: 1, name: 'Prospekt', probability: 10 }, { id: 2, name: 'Kvalificerad', probability: 25 },
      { id: 3, name: 'Offert', probability: 50 }, { id: 4, name: 'Förhandling', probability: 75 },
      { id: 5, name: 'Muntligt ja', probability: 90 }, { id: 6, name: 'Order', probability: 100 },
      { id: 7, name: 'Förlorad', probability: 0 },
    ],
    activityTypes: [{ id: 1, name: 'Telefonsamtal' }, { id: 2, name: 'Att göra' }, { id: 3, name: 'E-post' }, { id: 4, name: 'Uppföljning' }],
    appointmentTypes: [{ id: 1, name: 'Kundmöte' }, { id: 2, name: 'Demo' }, { id: 3, name: 'Lunch' }, { id: 4, name: 'Videomöte' }],
    productCategories: [
      { id: 1, name: 'Mjukvara', parentId: null }, { id: 2, name: 'Licenser', parentId: 1 }, { id: 3, name: 'Prenumerationer', parentId: 1 },
      { id: 4, name: 'Tjänster', parentId: null }, { id: 5, name: 'Konsulting', parentId: 4 }, { id: 6, name: 'Utbildning', parentId: 4 },
      { id: 7, name: 'Hårdvara', parentId: null },
    ],
    clientCategories: [{ id: 1, name: 'Kund' }, { id: 2, name: 'Prospekt' }, { id: 3, name: 'Partner' }, { id: 4, name: 'Leverantör' }],
    roles: ROLES,
    currencies: [
      { iso: 'SEK', rate: 1, masterCurrency: true, active: true }, { iso: 'EUR', rate: 0.087, masterCurrency: false, active: true },
      { iso: 'NOK', rate: 1.02, masterCurrency: false, active: true }, { iso: 'DKK', rate: 0.65, masterCurrency: false, active: true },
      { iso: 'USD', rate: 0.095, masterCurrency: false, active: true }, { iso: 'GBP', rate: 0.075, masterCurrency: false, active: false },
    ],
    customFields: customFields(),
  };
}

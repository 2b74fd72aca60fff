/**
 * The one table of Upsales item kinds. It drives the embedded service (store,
 * WSDL/XSD, rights), the SOAP adapter and the GraphQL schema alike: entities
 * differ in this data, not in code.
 *
 * Field names here ARE the wire names of the contract (`customfield`,
 * `orderRow`, ...). A field may carry a `gql` name when the GraphQL name
 * differs.
 */

/** Scalar field types, as they travel on the wire (XSD type in brackets). */
export type ScalarType =
  | 'id' // xsd:int, read-only, assigned by the service
  | 'string' // xsd:string, up to 255
  | 'text' // xsd:string, long
  | 'int' // xsd:int
  | 'float' // xsd:double
  | 'boolean' // xsd:boolean
  | 'date' // xsd:date, YYYY-MM-DD
  | 'datetime'; // xsd:dateTime, ISO 8601 UTC

/** The item kinds: one SOAP service each. */
export type ItemKind =
  | 'client' | 'contact' | 'order' | 'opportunity' | 'agreement' | 'product' | 'project'
  | 'activity' | 'appointment' | 'lead' | 'user';
/** The metadata kinds, served by the metadata service. */
export type MetaKind =
  | 'orderStage' | 'activityType' | 'appointmentType' | 'productCategory' | 'clientCategory'
  | 'role' | 'currency' | 'customFieldDefinition';
/** What a reference field points at: an item kind or a metadata kind. */
export type RefTarget = ItemKind | MetaKind;

export type FieldSpec =
  | ({ type: ScalarType } & FieldCommon)
  /** `{id, name}` on the wire; criteria on `<field>.id`. */
  | ({ type: 'ref'; target: RefTarget } & FieldCommon)
  /** A list of `{id, name}`; criteria on `<field>.id` match any element. */
  | ({ type: 'refs'; target: RefTarget } & FieldCommon)
  /** A nested structure (list or single), see {@link STRUCTS}. */
  | ({ type: 'struct'; struct: StructName; list: boolean } & FieldCommon)
  /** `customfield[]`: `{fieldId, value}` records. */
  | ({ type: 'customfields' } & FieldCommon);

export interface FieldCommon {
  /** Required on create. */
  required?: boolean;
  /** Computed or assigned by the service; never sent on writes. */
  readOnly?: boolean;
  /** Name in GraphQL when it differs from the wire name. */
  gql?: string;
  /** Human description, shown in the GraphQL schema. */
  doc?: string;
  /** Maximum length for strings (String: 255 by default). */
  maxLength?: number;
}

export type StructName = 'Address' | 'OrderRow' | 'Stage';

/** Structures nested in items. */
export const STRUCTS = {
  Address: {
    type: { type: 'string', doc: 'Visit, Mail, Invoice, Delivery or Other' },
    address: { type: 'string' },
    zipcode: { type: 'string' },
    city: { type: 'string' },
    state: { type: 'string' },
    country: { type: 'string' },
  },
  OrderRow: {
    id: { type: 'id', readOnly: true },
    product: { type: 'ref', target: 'product', required: true },
    quantity: { type: 'float', required: true },
    price: { type: 'float', required: true },
    listPrice: { type: 'float' },
    discount: { type: 'float' },
    purchaseCost: { type: 'float' },
    sortId: { type: 'int' },
    customfield: { type: 'customfields', gql: 'customFields' },
  },
  Stage: {
    id: { type: 'int', required: true },
    name: { type: 'string', readOnly: true },
    probability: { type: 'int', readOnly: true },
  },
} as const satisfies Record<StructName, Record<string, FieldSpec>>;

/** Fields every item has. */
const COMMON = {
  id: { type: 'id', readOnly: true },
  regDate: { type: 'datetime', readOnly: true },
  modDate: { type: 'datetime', readOnly: true },
  regBy: { type: 'int', readOnly: true, doc: 'Id of the user who created the item' },
} as const satisfies Record<string, FieldSpec>;
const CUSTOM = { customfield: { type: 'customfields', gql: 'customFields' } } as const satisfies Record<string, FieldSpec>;

/** Order-like fields, shared by orders, opportunities and agreements. */
const ORDER_FIELDS = {
  description: { type: 'string', required: true },
  date: { type: 'date' },
  closeDate: { type: 'date' },
  client: { type: 'ref', target: 'client', required: true },
  contact: { type: 'ref', target: 'contact' },
  user: { type: 'ref', target: 'user', required: true },
  project: { type: 'ref', target: 'project' },
  stage: { type: 'struct', struct: 'Stage', list: false, doc: 'Order stage; its probability is the default probability' },
  probability: { type: 'int', doc: '100: order; 1-99: opportunity; 0: lost' },
  currency: { type: 'string', doc: 'ISO 4217 code' },
  notes: { type: 'text' },
  orderRow: { type: 'struct', struct: 'OrderRow', list: true, gql: 'rows' },
  value: { type: 'float', readOnly: true, doc: 'Sum of quantity x price over the rows' },
  weightedValue: { type: 'float', readOnly: true, doc: 'value x probability / 100' },
} as const satisfies Record<string, FieldSpec>;

/**
 * Who "owns" an item, for the `own` and `role` rights: the user(s) in a field,
 * or the owners of the item it belongs to.
 */
export type Ownership = { users: string } | { user: string } | { via: string } | { self: true } | null;

export interface KindSpec {
  /** GraphQL type name, and the base of the XSD item type name. */
  typeName: string;
  /** Plural for root connections and batch mutations. */
  plural: string;
  /** SOAP service name: `/wsapi/<service>`. */
  service: string;
  /** The upstream entity it is stored as (orders and opportunities share one). */
  entity: string;
  /** Set of custom field definitions it uses (orders and opportunities share). */
  customFieldKind: string;
  /** Whether `getAll` is served (small kinds only). */
  getAll: boolean;
  /** Products are deactivated, never deleted. */
  deleteMeans: 'delete' | 'deactivate';
  ownership: Ownership;
  fields: Record<string, FieldSpec>;
  /** For kinds sharing an entity: which probabilities belong to this kind. */
  probability?: { min: number; max: number };
}

export const KINDS = {
  client: {
    typeName: 'Client', plural: 'clients', service: 'ClientService', entity: 'client', customFieldKind: 'client',
    getAll: false, deleteMeans: 'delete', ownership: { users: 'users' },
    fields: {
      ...COMMON,
      name: { type: 'string', required: true },
      orgNo: { type: 'string', doc: 'Organisation number' },
      phone: { type: 'string' },
      fax: { type: 'string' },
      webpage: { type: 'string' },
      notes: { type: 'text' },
      active: { type: 'boolean' },
      parent: { type: 'ref', target: 'client', doc: 'Parent company' },
      addresses: { type: 'struct', struct: 'Address', list: true },
      users: { type: 'refs', target: 'user', gql: 'accountManagers', doc: 'Account managers' },
      categories: { type: 'refs', target: 'clientCategory' },
      turnover: { type: 'float' },
      noEmployees: { type: 'int' },
      ...CUSTOM,
    },
  },
  contact: {
    typeName: 'Contact', plural: 'contacts', service: 'ContactService', entity: 'contact', customFieldKind: 'contact',
    getAll: false, deleteMeans: 'delete', ownership: { via: 'client' },
    fields: {
      ...COMMON,
      client: { type: 'ref', target: 'client', required: true },
      name: { type: 'string', readOnly: true, doc: 'firstName and lastName' },
      firstName: { type: 'string', required: true },
      lastName: { type: 'string' },
      title: { type: 'string' },
      email: { type: 'string' },
      phone: { type: 'string' },
      cellPhone: { type: 'string' },
      notes: { type: 'text' },
      active: { type: 'boolean' },
      ...CUSTOM,
    },
  },
  order: {
    typeName: 'Order', plural: 'orders', service: 'OrderService', entity: 'order', customFieldKind: 'order',
    getAll: false, deleteMeans: 'delete', ownership: { user: 'user' }, probability: { min: 100, max: 100 },
    fields: { ...COMMON, ...ORDER_FIELDS, ...CUSTOM },
  },
  opportunity: {
    typeName: 'Opportunity', plural: 'opportunities', service: 'OpportunityService', entity: 'order', customFieldKind: 'order',
    getAll: false, deleteMeans: 'delete', ownership: { user: 'user' }, probability: { min: 0, max: 99 },
    fields: { ...COMMON, ...ORDER_FIELDS, ...CUSTOM },
  },
  agreement: {
    typeName: 'Agreement', plural: 'agreements', service: 'AgreementService', entity: 'agreement', customFieldKind: 'agreement',
    getAll: false, deleteMeans: 'delete', ownership: { user: 'user' },
    fields: {
      ...COMMON,
      ...ORDER_FIELDS,
      startDate: { type: 'date', required: true },
      endDate: { type: 'date', doc: 'null: ongoing' },
      intervalPeriod: { type: 'int', required: true, doc: 'Months between orders' },
      nextOrderDate: { type: 'date' },
      ...CUSTOM,
    },
  },
  product: {
    typeName: 'Product', plural: 'products', service: 'ProductService', entity: 'product', customFieldKind: 'product',
    getAll: true, deleteMeans: 'deactivate', ownership: null,
    fields: {
      ...COMMON,
      name: { type: 'string', required: true },
      articleNo: { type: 'string', doc: 'Unique article number' },
      listPrice: { type: 'float', required: true },
      purchaseCost: { type: 'float' },
      category: { type: 'ref', target: 'productCategory' },
      active: { type: 'boolean' },
      ...CUSTOM,
    },
  },
  project: {
    typeName: 'Project', plural: 'projects', service: 'ProjectService', entity: 'project', customFieldKind: 'project',
    getAll: true, deleteMeans: 'delete', ownership: { users: 'users' },
    fields: {
      ...COMMON,
      name: { type: 'string', required: true },
      startDate: { type: 'date' },
      endDate: { type: 'date' },
      active: { type: 'boolean' },
      quota: { type: 'float' },
      notes: { type: 'text' },
      users: { type: 'refs', target: 'user' },
      ...CUSTOM,
    },
  },
  activity: {
    typeName: 'Activity', plural: 'activities', service: 'ActivityService', entity: 'activity', customFieldKind: 'activity',
    getAll: false, deleteMeans: 'delete', ownership: { users: 'users' },
    fields: {
      ...COMMON,
      description: { type: 'string', required: true },
      date: { type: 'date' },
      closeDate: { type: 'date' },
      activityType: { type: 'ref', target: 'activityType' },
      priority: { type: 'int' },
      client: { type: 'ref', target: 'client' },
      contacts: { type: 'refs', target: 'contact' },
      users: { type: 'refs', target: 'user', required: true },
      project: { type: 'ref', target: 'project' },
      opportunity: { type: 'ref', target: 'opportunity' },
      notes: { type: 'text' },
      ...CUSTOM,
    },
  },
  appointment: {
    typeName: 'Appointment', plural: 'appointments', service: 'AppointmentService', entity: 'appointment', customFieldKind: 'appointment',
    getAll: false, deleteMeans: 'delete', ownership: { users: 'users' },
    fields: {
      ...COMMON,
      description: { type: 'string' },
      date: { type: 'datetime', required: true },
      endDate: { type: 'datetime' },
      location: { type: 'string' },
      appointmentType: { type: 'ref', target: 'appointmentType' },
      client: { type: 'ref', target: 'client' },
      contacts: { type: 'refs', target: 'contact' },
      users: { type: 'refs', target: 'user', required: true },
      project: { type: 'ref', target: 'project' },
      opportunity: { type: 'ref', target: 'opportunity' },
      notes: { type: 'text' },
      private: { type: 'boolean' },
      ...CUSTOM,
    },
  },
  lead: {
    typeName: 'Lead', plural: 'leads', service: 'LeadService', entity: 'lead', customFieldKind: 'lead',
    getAll: false, deleteMeans: 'delete', ownership: { user: 'user' },
    fields: {
      ...COMMON,
      name: { type: 'string', required: true },
      contact: { type: 'string', gql: 'contactName', doc: 'Name of the person' },
      email: { type: 'string' },
      phone: { type: 'string' },
      source: { type: 'string' },
      client: { type: 'ref', target: 'client' },
      project: { type: 'ref', target: 'project' },
      user: { type: 'ref', target: 'user' },
      active: { type: 'boolean' },
      ...CUSTOM,
    },
  },
  user: {
    typeName: 'User', plural: 'users', service: 'UserService', entity: 'user', customFieldKind: 'user',
    getAll: true, deleteMeans: 'delete', ownership: { self: true },
    fields: {
      ...COMMON,
      name: { type: 'string', required: true },
      email: { type: 'string', required: true },
      role: { type: 'ref', target: 'role' },
      administrator: { type: 'boolean' },
      active: { type: 'boolean' },
      apiAccess: { type: 'boolean' },
      ...CUSTOM,
    },
  },
} as const satisfies Record<ItemKind, KindSpec>;


export const ITEM_KINDS = Object.keys(KINDS) as ItemKind[];

/**
 * Metadata kinds, served by the metadata service. Each is a small list,
 * fetched whole with one call.
 */
export const META_KINDS = {
  orderStage: { typeName: 'OrderStage', operation: 'getOrderStages', fields: { id: 'int', name: 'string', probability: 'int' } },
  activityType: { typeName: 'ActivityType', operation: 'getActivityTypes', fields: { id: 'int', name: 'string' } },
  appointmentType: { typeName: 'AppointmentType', operation: 'getAppointmentTypes', fields: { id: 'int', name: 'string' } },
  productCategory: { typeName: 'ProductCategory', operation: 'getProductCategories', fields: { id: 'int', name: 'string', parentId: 'int' } },
  clientCategory: { typeName: 'ClientCategory', operation: 'getClientCategories', fields: { id: 'int', name: 'string' } },
  role: { typeName: 'Role', operation: 'getRoles', fields: { id: 'int', name: 'string', parentId: 'int' } },
  currency: { typeName: 'Currency', operation: 'getCurrencies', fields: { iso: 'string', rate: 'float', masterCurrency: 'boolean', active: 'boolean' } },
  customFieldDefinition: {
    typeName: 'CustomFieldDefinition', operation: 'getCustomFields',
    fields: { id: 'int', kind: 'string', name: 'string', alias: 'string', datatype: 'string', required: 'boolean', editable: 'boolean', sortId: 'int' },
  },
} as const satisfies Record<MetaKind, { typeName: string; operation: string; fields: Record<string, string> }>;

/** Custom field datatypes of the contract. */
export const CUSTOM_FIELD_DATATYPES = [
  'String', 'Text', 'Integer', 'Currency', 'Percent', 'Discount', 'Boolean', 'Date', 'Time',
  'Select', 'MultiSelect', 'Email', 'Link', 'Phone', 'User',
] as const;
export type CustomFieldDatatype = (typeof CUSTOM_FIELD_DATATYPES)[number];

/** Custom field definition sets: one per entity, plus order rows. */
export const CUSTOM_FIELD_KINDS = ['client', 'contact', 'order', 'agreement', 'product', 'project', 'activity', 'appointment', 'lead', 'user', 'orderRow'] as const;

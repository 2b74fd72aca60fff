/**
 * TypeScript shapes of what crosses the wire, shared by the embedded service
 * and the SOAP adapter (and nothing else of theirs is shared).
 */
import type { CustomFieldDatatype, ItemKind } from './kinds.js';
import type { CriteriaOperator, FaultCode } from './wire.js';

export interface Criterion {
  /** A field name, a related id (`client.id`) or a custom field (`custom.<fieldId>`). */
  field: string;
  operator: CriteriaOperator;
  /** Values as strings, as on the wire; `isNull` takes `true` or `false`. */
  values: string[];
}

export interface SortSpec {
  field: string;
  descending?: boolean;
}

export interface CriteriaQuery {
  criteria?: Criterion[];
  sort?: SortSpec[];
  limit?: number;
  offset?: number;
}

export interface Ref {
  id: number;
  name?: string | null;
}

export interface CustomFieldValue {
  fieldId: number;
  /** Encoded as a string: numbers in decimal, booleans `true`/`false`, dates `YYYY-MM-DD`, times `HH:MM`, MultiSelect options joined by `;`, User a user id. */
  value: string;
}

/**
 * One item as it crosses the wire: the fields of its kind in kinds.ts.
 * Absent means "not set"; on `update`, absent means "unchanged" and `null`
 * (xsi:nil) means "clear".
 */
export type Item = { id?: number; customfield?: CustomFieldValue[] } & Record<string, unknown>;

export interface ItemError {
  code: FaultCode;
  message: string;
  /** The field at fault, for VALIDATION_ERROR. */
  field?: string;
}

/** Result of one item of a create or update, in input order. */
export interface ItemResult {
  index: number;
  success: boolean;
  item?: Item;
  error?: ItemError;
}

/** Result of one id of a delete, in input order. */
export interface DeleteResult {
  index: number;
  id: number;
  success: boolean;
  error?: ItemError;
}

export interface CriteriaResult {
  total: number;
  items: Item[];
}

/** `detail/UpsalesFault` of a SOAP fault. */
export interface UpsalesFault {
  code: FaultCode;
  message: string;
  itemIndex?: number;
  field?: string;
  retryAfterMs?: number;
}

export type RightLevel = 'none' | 'own' | 'role' | 'all';
export interface KindRights {
  kind: ItemKind;
  access: RightLevel;
  change: RightLevel;
  delete: RightLevel;
}

export interface Role {
  id: number;
  name: string;
  parentId?: number | null;
  rights: KindRights[];
}

export interface OrderStage { id: number; name: string; probability: number }
export interface NamedType { id: number; name: string }
export interface ProductCategory { id: number; name: string; parentId?: number | null }
export interface Currency { iso: string; rate: number; masterCurrency: boolean; active: boolean }
export interface CustomFieldDefinition {
  id: number;
  /** Which definition set: see CUSTOM_FIELD_KINDS. */
  kind: string;
  name: string;
  alias: string;
  datatype: CustomFieldDatatype;
  options?: string[];
  required: boolean;
  editable: boolean;
  sortId: number;
}

/** Every metadata list of an account, as the metadata service serves them. */
export interface Metadata {
  orderStages: OrderStage[];
  activityTypes: NamedType[];
  appointmentTypes: NamedType[];
  productCategories: ProductCategory[];
  clientCategories: NamedType[];
  roles: Role[];
  currencies: Currency[];
  customFields: CustomFieldDefinition[];
}

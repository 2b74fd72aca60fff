/**
 * What the SOAP adapter hands up to the gateway. node-soap's `any` never
 * leaves src/upstream: everything here is typed.
 */
import type { BudgetReading } from '../budget/index.js';
import type { ItemKind } from '../contract/kinds.js';
import type {
  CriteriaQuery, CriteriaResult, Currency, CustomFieldDefinition, DeleteResult, Item, ItemResult,
  NamedType, OrderStage, ProductCategory, Role,
} from '../contract/types.js';

/** The caller's Upsales credentials. Never logged, never in an error message. */
export interface Credentials {
  username: string;
  password: string;
}

/** Interactive calls always go before background (import) calls. */
export type { CallPriority } from '../budget/index.js';

/** Per-request accounting, reported in the response's `extensions`. */
export interface CallStats {
  /** SOAP calls this request made (sent upstream, whatever their outcome). */
  calls: number;
  /** Milliseconds this request's calls spent waiting in the budget queue. */
  queuedMs: number;
  /** Every call made, `<Service>.<operation>`, in the order sent. */
  log: string[];
}


/**
 * An Upstream client bound to one caller's credentials. Each method is one
 * SOAP call through the account's shared budget. Failures throw
 * {@link UpstreamError}.
 */
export interface UpstreamClient {
  getByCriteria(kind: ItemKind, query: CriteriaQuery): Promise<CriteriaResult>;
  get(kind: ItemKind, id: number): Promise<Item>;
  getAll(kind: ItemKind): Promise<Item[]>;
  create(kind: ItemKind, items: Item[]): Promise<ItemResult[]>;
  update(kind: ItemKind, items: Item[]): Promise<ItemResult[]>;
  delete(kind: ItemKind, ids: number[]): Promise<DeleteResult[]>;
  /** One call per list (getOrderStages, getRoles, ...); `kind` filters custom fields. */
  getOrderStages(): Promise<OrderStage[]>;
  getActivityTypes(): Promise<NamedType[]>;
  getAppointmentTypes(): Promise<NamedType[]>;
  getProductCategories(): Promise<ProductCategory[]>;
  getClientCategories(): Promise<NamedType[]>;
  getRoles(): Promise<Role[]>;
  getCurrencies(): Promise<Currency[]>;
  getCustomFields(kind?: string): Promise<CustomFieldDefinition[]>;
  /** The caller's account budget right now, read from its window's store (no SOAP call; one Redis round trip when shared). */
  rateLimit(): Promise<BudgetReading>;
}

/** Why an upstream call failed. `message` is safe to show: no host, no credentials. */
export type UpstreamErrorKind =
  | 'AUTHENTICATION_FAILED' | 'API_ACCESS_DENIED' | 'ACCESS_DENIED' | 'THROTTLED' | 'NOT_FOUND'
  | 'VALIDATION_ERROR' | 'INTERNAL' | 'TIMEOUT' | 'UNREACHABLE' | 'PROTOCOL';

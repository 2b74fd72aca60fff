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
  /** Reads answered without a call: from a kept answer, or by an identical read in flight. */
  cached?: number;
}

/** What one caller's client does besides sending: its call ceiling and its shared reads. */
export interface ClientOptions {
  /** Called right before a call is sent (never for a read answered without one); throws to refuse the call. */
  beforeSend?(): void;
  /**
   * Awaited once the budget has given a call its place, just before it goes
   * on the wire (again before a re-send after THROTTLED). A rejection keeps
   * the call from being sent and is what the call rejects with, unchanged:
   * background work checks here that it still may send (an import runner,
   * that it still holds its job's lease). It may return a last check, run
   * synchronously as the request is written, which throws likewise (the
   * process was held up since the first).
   */
  onWire?(): Promise<void | (() => void)>;
  /** How reads are shared across requests; absent: every read is sent, and none is kept (background work). */
  reuse?: ReadReuse;
  /**
   * Runs each call (its wait for the budget, its send and its answer) as
   * the caller's credentials allow: what credentials Upsales has not
   * accepted may spend (src/request/credential-gate.ts). Absent: at once.
   */
  admit?<T>(call: () => Promise<T>): Promise<T>;
}

/**
 * A request's rules for shared reads. Answers are kept per account and
 * served only to a password Upsales has accepted: the cache never lets a
 * wrong password read an account's data.
 */
export interface ReadReuse {
  /** Whether an answer kept for the account may be served now (the password accepted, no fresh read asked for). */
  kept(): boolean;
  /**
   * Which identical reads in flight of the same username and password a read
   * may share: those of the same scope. `''` is every request's that may share
   * any; a request reading fresh gives its own, so it shares only its own reads.
   */
  flightScope(): string;
  /** Upsales answered a call of these credentials: the password is right. */
  accepted(): void;
  /**
   * A kept answer was found but `kept()` said no: resolves true once it may
   * be served after all (the password's check had only lapsed, and one
   * check call says it is still right), false otherwise. Absent: false.
   */
  confirm?(): Promise<boolean>;
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
  /** How many items of `kind` the caller may see: one `getByCriteria` of one item, its answer kept longer than others. */
  count(kind: ItemKind): Promise<number>;
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

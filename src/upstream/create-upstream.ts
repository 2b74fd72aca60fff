/**
 * The SOAP adapter: typed calls in, typed records out. Every call passes the
 * account's shared budget, carries the caller's own WS-Security header, and
 * is bounded by a timeout. Reads are shared across requests and writes drop
 * what they change (shared-reads.ts), here where every write passes.
 */
import type { Client } from 'soap';
import { accountKey } from '../account/account-key.js';
import { createBudgetRegistry, type BudgetReading, type BudgetRegistry, type CallBudget, type CallBudgetOptions } from '../budget/index.js';
import type { ReadCache } from '../cache/index.js';
import { KINDS, type ItemKind, type MetaKind } from '../contract/kinds.js';
import type {
  CriteriaQuery, CriteriaResult, Currency, CustomFieldDefinition, DeleteResult, Item, ItemResult,
  NamedType, OrderStage, ProductCategory, Role,
} from '../contract/types.js';
import { METADATA_SERVICE, type MetaOperation, type Operation } from '../contract/wire.js';
import { checkBaseUrl } from './base-url.js';
import { toUpstreamError, UpstreamError } from './errors.js';
import { decode, encode } from './normalize.js';
import { COUNT_TTL_MS, createSharedReads, groupOf, groupsChangedBy, METADATA_GROUP } from './shared-reads.js';
import { soapServices } from './soap-services.js';
import type { CallPriority, CallStats, ClientOptions, Credentials, UpstreamClient } from './types.js';
import { CRITERIA_QUERY, metadataResponseShape, responseShapes, requestArgs, type RecordShape } from './wire-shapes.js';
import { securityHeader, withSoapHeader, type PasswordType } from './wsse.js';

export interface UpstreamOptions {
  /** Where `<Service>?wsdl` lives, e.g. `https://crm.upsales.com/wsapi`. Plain http:// only on loopback. */
  baseUrl: string;
  /** Longest a SOAP call (or WSDL load) may take once sent. */
  timeoutMs: number;
  /** Shared budgets; give the gateway's one registry so every component shares them. */
  budgets?: BudgetRegistry;
  /** Options of a registry created here when `budgets` is not given. */
  budget?: CallBudgetOptions;
  /** @default 'PasswordDigest' */
  passwordType?: PasswordType;
  /** Longest an interactive call waits for the budget (queue and throttle blocks), then THROTTLED; unlimited by default. Background calls wait as long as it takes. */
  maxWaitMs?: number;
  /** Where read answers are kept across requests (src/cache); without it, only reads in flight are shared. */
  cache?: ReadCache;
  /** Told of every call and every read answered without one (metrics). */
  observer?: UpstreamObserver;
}

/** What the adapter tells an observer. `account` is the budget's account key: hash it before it leaves the process. */
export interface UpstreamObserver {
  /** A SOAP call sent and answered (or failed: `outcome` is the upstream error kind) after `durationMs`. */
  call(event: { service: string; operation: string; outcome: string; durationMs: number; account: string }): void;
  /** A call waited `queuedMs` for its budget before it was sent. */
  queued(priority: CallPriority, queuedMs: number): void;
  /** A read of `group` (an entity group or metadata) answered without a call. */
  saved(group: string): void;
}

export interface Upstream {
  /** The base URL in use (normalized). */
  readonly baseUrl: string;
  /** A client bound to one caller: its credentials, its request's stats, its priority, its ceiling and read sharing. */
  forCredentials(credentials: Credentials, stats: CallStats, priority?: CallPriority, options?: ClientOptions): UpstreamClient;
  /** The shared budget of the account `username` on this upstream. */
  budgetForAccount(username: string): CallBudget;
  /** Tells `listener` of every call Upsales refused for its credentials (any caller, background work too); returns how to stop. */
  onRefused(listener: RefusedListener): () => void;
  /** Tells `listener` of every write answered by Upsales (any caller, imports too), after kept reads it may change are dropped; returns how to stop. */
  onWrite(listener: WriteListener): () => void;
  /**
   * Tells `listener` of every read sent for a caller whose answer is kept
   * (with the cache's TTL): the change feed keeps the kind watched for as
   * long, so kept answers hear of changes; returns how to stop.
   */
  onKept(listener: KeptListener): () => void;
  /** Drops every account's kept reads that a change of `kinds` may change (as a write through the gateway does). */
  forget(kinds: readonly ItemKind[]): Promise<void>;
}

/** A write Upsales answered: whose, of what kind, and its results (some may have failed). */
export type UpstreamWrite =
  | { username: string; kind: ItemKind; operation: 'create' | 'update'; results: ItemResult[] }
  | { username: string; kind: ItemKind; operation: 'delete'; results: DeleteResult[] };
export type WriteListener = (write: UpstreamWrite) => void;

/** A read of `kind` by `credentials` was sent and its answer kept for `ttlMs`. */
export type KeptListener = (credentials: Credentials, kind: ItemKind, ttlMs: number) => void;

/** Upsales refused a call of `credentials`: a wrong password or a revoked user (AUTHENTICATION_FAILED), or no API access. */
export type RefusedListener = (credentials: Credentials, kind: 'AUTHENTICATION_FAILED' | 'API_ACCESS_DENIED') => void;

const META_OPERATION_KIND: Record<MetaOperation, MetaKind> = {
  getOrderStages: 'orderStage', getActivityTypes: 'activityType', getAppointmentTypes: 'appointmentType',
  getProductCategories: 'productCategory', getClientCategories: 'clientCategory', getRoles: 'role',
  getCurrencies: 'currency', getCustomFields: 'customFieldDefinition',
};

/** A call its caller's `onWire` refused: never sent; the caller's own error goes back to it as it was. */
class RefusedOnWire extends Error {
  constructor(readonly refusal: unknown) {
    super('refused before it was sent');
  }
}

/** Creates the adapter; throws UpstreamConfigError for a base URL it must not use. */
export function createUpstream(options: UpstreamOptions): Upstream {
  const baseUrl = checkBaseUrl(options.baseUrl);
  const { timeoutMs } = options;
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  const passwordType = options.passwordType ?? 'PasswordDigest';
  const budgets = options.budgets ?? createBudgetRegistry(options.budget);
  const services = soapServices(baseUrl, timeoutMs);
  const budgetForAccount = (username: string) => budgets.budgetForAccount(baseUrl, username);
  const shared = createSharedReads(baseUrl, options.cache, options.observer?.saved);
  const { observer } = options;
  const refusedListeners = new Set<RefusedListener>();
  const writeListeners = new Set<WriteListener>();
  const keptListeners = new Set<KeptListener>();
  const listen = <L>(set: Set<L>, listener: L) => {
    set.add(listener);
    return () => void set.delete(listener);
  };
  const tell = <A extends unknown[]>(set: Set<(...args: A) => void>, ...args: A) => {
    for (const listener of set) {
      try {
        listener(...args);
      } catch {
        // a listener never breaks a call
      }
    }
  };

  function forCredentials(credentials: Credentials, stats: CallStats, priority: CallPriority = 'interactive', clientOptions: ClientOptions = {}): UpstreamClient {
    // Looked up per call, never kept: the registry may forget an idle budget.
    const budget = () => budgetForAccount(credentials.username);
    const gate = shared.forCaller(credentials, stats, clientOptions);

    /** One SOAP call, as the caller's credentials are admitted: budget, header, timeout, fault mapping; the response wrapper decoded by `shape`. */
    function call(service: string, operation: string, args: Record<string, unknown>, shape: RecordShape): Promise<Record<string, unknown>> {
      const admitted = () => budgeted(service, operation, args, shape);
      return clientOptions.admit ? clientOptions.admit(admitted) : admitted();
    }

    async function budgeted(service: string, operation: string, args: Record<string, unknown>, shape: RecordShape): Promise<Record<string, unknown>> {
      try {
        const raw = await budget().run(async () => {
          let lastCheck: void | (() => void) = undefined;
          if (clientOptions.onWire) {
            try {
              lastCheck = await clientOptions.onWire();
            } catch (refusal) {
              throw new RefusedOnWire(refusal);
            }
          }
          return send(service, operation, args, lastCheck);
        }, {
          priority,
          maxWaitMs: priority === 'interactive' ? options.maxWaitMs : undefined,
          onSend: (queuedMs) => {
            stats.calls++;
            stats.queuedMs += queuedMs;
            stats.log.push(`${service}.${operation}`);
            observer?.queued(priority, queuedMs);
          },
        });
        const decoded = decode(shape, raw ?? {}) as Record<string, unknown>;
        clientOptions.reuse?.accepted();
        return decoded;
      } catch (error) {
        if (error instanceof RefusedOnWire) throw error.refusal;
        const failure = toUpstreamError(error);
        if (failure.kind === 'AUTHENTICATION_FAILED' || failure.kind === 'API_ACCESS_DENIED') {
          for (const listener of refusedListeners) listener(credentials, failure.kind);
        }
        throw failure;
      }
    }

    function send(service: string, operation: string, args: Record<string, unknown>, lastCheck?: void | (() => void)): Promise<unknown> {
      const controller = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new UpstreamError('TIMEOUT', `Upsales did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
      });
      const invoke = async () => {
        let client: Client;
        try {
          client = await services.client(service);
        } catch (error) {
          throw toUpstreamError(error);
        }
        const method = client[`${operation}Async`] as ((args: unknown, options: unknown) => Promise<[unknown]>) | undefined;
        if (typeof method !== 'function') throw new UpstreamError('PROTOCOL', `The Upsales ${service} does not offer ${operation}`);
        const [result] = await method.call(client, args, {
          postProcess: (xml: string) => {
            if (lastCheck) {
              try {
                lastCheck();
              } catch (refusal) {
                throw new RefusedOnWire(refusal);
              }
            }
            return withSoapHeader(xml, securityHeader(credentials, passwordType));
          },
          signal: controller.signal,
          maxRedirects: 0,
        });
        return result;
      };
      const sentAt = performance.now();
      const told = (outcome: string) => observer?.call({
        service, operation, outcome, durationMs: performance.now() - sentAt, account: accountKey(baseUrl, credentials.username),
      });
      // THROTTLED must reach the budget as such: map faults before it sees them
      return Promise.race([invoke().catch((error: unknown) => { throw error instanceof RefusedOnWire ? error : toUpstreamError(error); }), timeout])
        .then((result) => {
          told('ok');
          return result;
        }, (error: unknown) => {
          told((error as UpstreamError).kind ?? 'UNKNOWN');
          throw error;
        })
        .finally(() => clearTimeout(timer));
    }

    const service = (kind: ItemKind) => KINDS[kind].service;
    const args = (shape: RecordShape, value: object) => encode(shape, value) as Record<string, unknown>;
    const metadata = <T>(operation: MetaOperation, args: Record<string, unknown> = {}): Promise<T[]> =>
      gate.read(METADATA_GROUP, [operation, args], async () =>
        (await call(METADATA_SERVICE, operation, args, metadataResponseShape(META_OPERATION_KIND[operation]))).items as T[]);
    const itemCall = (kind: ItemKind, operation: Operation, args: Record<string, unknown>) =>
      call(service(kind), operation, args, responseShapes[operation](kind));
    const keeps = Boolean(clientOptions.reuse && options.cache && options.cache.ttlMs > 0);
    const read = <T>(kind: ItemKind, operation: Operation, args: Record<string, unknown>, answer: (result: Record<string, unknown>) => T, ttlMs?: number) =>
      gate.read(groupOf(kind), [kind, operation, args], async () => {
        const result = answer(await itemCall(kind, operation, args));
        if (keeps && ttlMs === undefined) tell(keptListeners, credentials, kind, options.cache!.ttlMs);
        return result;
      }, ttlMs);
    const write = async <T extends ItemResult[] | DeleteResult[]>(kind: ItemKind, operation: 'create' | 'update' | 'delete', args: Record<string, unknown>, answer: (result: Record<string, unknown>) => T) => {
      const results = await gate.write(kind, async () => answer(await itemCall(kind, operation, args)));
      tell(writeListeners, { username: credentials.username, kind, operation, results } as UpstreamWrite);
      return results;
    };

    return {
      getByCriteria: async (kind, query: CriteriaQuery) =>
        read(kind, 'getByCriteria', args(CRITERIA_QUERY, query), (result) => ({ total: result.total ?? 0, items: result.items }) as CriteriaResult),
      get: async (kind, id) => read(kind, 'get', args(requestArgs.id, { id }), ({ item }) => {
        if (!item) throw new UpstreamError('PROTOCOL', 'Upsales sent an empty item');
        return item as Item;
      }),
      getAll: async (kind) => read(kind, 'getAll', {}, (result) => result.items as Item[]),
      count: async (kind) => read(kind, 'getByCriteria', args(CRITERIA_QUERY, { limit: 1 }), (result) => (result.total as number | undefined) ?? 0, COUNT_TTL_MS),
      create: async (kind, list) => write(kind, 'create', args(requestArgs.items(kind), { items: list }), (result) => result.results as ItemResult[]),
      update: async (kind, list) => write(kind, 'update', args(requestArgs.items(kind), { items: list }), (result) => result.results as ItemResult[]),
      delete: async (kind, ids) => write(kind, 'delete', args(requestArgs.ids, { ids }), (result) => result.results as DeleteResult[]),
      getOrderStages: () => metadata<OrderStage>('getOrderStages'),
      getActivityTypes: () => metadata<NamedType>('getActivityTypes'),
      getAppointmentTypes: () => metadata<NamedType>('getAppointmentTypes'),
      getProductCategories: () => metadata<ProductCategory>('getProductCategories'),
      getClientCategories: () => metadata<NamedType>('getClientCategories'),
      getRoles: () => metadata<Role>('getRoles'),
      getCurrencies: () => metadata<Currency>('getCurrencies'),
      getCustomFields: (kind?: string) => metadata<CustomFieldDefinition>('getCustomFields', args(requestArgs.customFieldKind, { kind })),
      rateLimit: (): Promise<BudgetReading> => budget().read(),
    };
  }

  return {
    baseUrl, forCredentials, budgetForAccount,
    onRefused(listener) {
      refusedListeners.add(listener);
      return () => refusedListeners.delete(listener);
    },
    onWrite: (listener) => listen(writeListeners, listener),
    onKept: (listener) => listen(keptListeners, listener),
    forget: (kinds) => shared.drop([...new Set(kinds.flatMap(groupsChangedBy))]),
  };
}

/**
 * The SOAP adapter: typed calls in, typed records out. Every call passes the
 * account's shared budget, carries the caller's own WS-Security header, and
 * is bounded by a timeout.
 */
import type { Client } from 'soap';
import { createBudgetRegistry, type BudgetRegistry, type BudgetReading, type CallBudget, type CallBudgetOptions } from '../budget/index.js';
import { KINDS, type ItemKind, type MetaKind } from '../contract/kinds.js';
import type {
  CriteriaQuery, CriteriaResult, Currency, CustomFieldDefinition, DeleteResult, Item, ItemResult,
  NamedType, OrderStage, ProductCategory, Role,
} from '../contract/types.js';
import { METADATA_SERVICE, type MetaOperation, type Operation } from '../contract/wire.js';
import { checkBaseUrl } from './base-url.js';
import { toUpstreamError, UpstreamError } from './errors.js';
import { decode, encode } from './normalize.js';
import { soapServices } from './soap-services.js';
import type { CallPriority, CallStats, Credentials, UpstreamClient } from './types.js';
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
  /** Longest a call waits for the budget (queue and throttle blocks); unlimited by default. */
  maxWaitMs?: number;
}

export interface Upstream {
  /** The base URL in use (normalized). */
  readonly baseUrl: string;
  /** A client bound to one caller: its credentials, its request's stats, its priority. */
  forCredentials(credentials: Credentials, stats: CallStats, priority?: CallPriority): UpstreamClient;
  /** The shared budget of the account `username` on this upstream. */
  budgetForAccount(username: string): CallBudget;
}

const META_OPERATION_KIND: Record<MetaOperation, MetaKind> = {
  getOrderStages: 'orderStage', getActivityTypes: 'activityType', getAppointmentTypes: 'appointmentType',
  getProductCategories: 'productCategory', getClientCategories: 'clientCategory', getRoles: 'role',
  getCurrencies: 'currency', getCustomFields: 'customFieldDefinition',
};

/** Creates the adapter; throws UpstreamConfigError for a base URL it must not use. */
export function createUpstream(options: UpstreamOptions): Upstream {
  const baseUrl = checkBaseUrl(options.baseUrl);
  const { timeoutMs } = options;
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  const passwordType = options.passwordType ?? 'PasswordDigest';
  const budgets = options.budgets ?? createBudgetRegistry(options.budget);
  const services = soapServices(baseUrl, timeoutMs);
  const budgetForAccount = (username: string) => budgets.budgetForAccount(baseUrl, username);

  function forCredentials(credentials: Credentials, stats: CallStats, priority: CallPriority = 'interactive'): UpstreamClient {
    // Looked up per call, never kept: the registry may forget an idle budget.
    const budget = () => budgetForAccount(credentials.username);

    /** One SOAP call: budget, header, timeout, fault mapping; returns the response wrapper decoded by `shape`. */
    async function call(service: string, operation: string, args: Record<string, unknown>, shape: RecordShape): Promise<Record<string, unknown>> {
      try {
        const raw = await budget().run(() => send(service, operation, args), {
          priority,
          maxWaitMs: options.maxWaitMs,
          onSend: (queuedMs) => {
            stats.calls++;
            stats.queuedMs += queuedMs;
            stats.log.push(`${service}.${operation}`);
          },
        });
        return decode(shape, raw ?? {}) as Record<string, unknown>;
      } catch (error) {
        throw toUpstreamError(error);
      }
    }

    function send(service: string, operation: string, args: Record<string, unknown>): Promise<unknown> {
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
          postProcess: (xml: string) => withSoapHeader(xml, securityHeader(credentials, passwordType)),
          signal: controller.signal,
          maxRedirects: 0,
        });
        return result;
      };
      // THROTTLED must reach the budget as such: map faults before it sees them
      return Promise.race([invoke().catch((error: unknown) => { throw toUpstreamError(error); }), timeout]).finally(() => clearTimeout(timer));
    }

    const service = (kind: ItemKind) => KINDS[kind].service;
    const args = (shape: RecordShape, value: object) => encode(shape, value) as Record<string, unknown>;
    const metadata = async <T>(operation: MetaOperation, args: Record<string, unknown> = {}): Promise<T[]> =>
      (await call(METADATA_SERVICE, operation, args, metadataResponseShape(META_OPERATION_KIND[operation]))).items as T[];
    const itemCall = (kind: ItemKind, operation: Operation, args: Record<string, unknown>) =>
      call(service(kind), operation, args, responseShapes[operation](kind));

    return {
      async getByCriteria(kind, query: CriteriaQuery) {
        const result = await itemCall(kind, 'getByCriteria', args(CRITERIA_QUERY, query));
        return { total: result.total ?? 0, items: result.items } as CriteriaResult;
      },
      async get(kind, id) {
        const { item } = await itemCall(kind, 'get', args(requestArgs.id, { id }));
        if (!item) throw new UpstreamError('PROTOCOL', 'Upsales sent an empty item');
        return item as Item;
      },
      async getAll(kind) {
        return (await itemCall(kind, 'getAll', {})).items as Item[];
      },
      async create(kind, list) {
        return (await itemCall(kind, 'create', args(requestArgs.items(kind), { items: list }))).results as ItemResult[];
      },
      async update(kind, list) {
        return (await itemCall(kind, 'update', args(requestArgs.items(kind), { items: list }))).results as ItemResult[];
      },
      async delete(kind, ids) {
        return (await itemCall(kind, 'delete', args(requestArgs.ids, { ids }))).results as DeleteResult[];
      },
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

  return { baseUrl, forCredentials, budgetForAccount };
}

/**
 * Every wire name of the SOAP contract that is not a field name: paths,
 * namespaces, operations, operators, fault codes. Pointing the gateway at the
 * real Upsales WSDL changes this file (and field names in kinds.ts), nothing
 * else.
 */
import { KINDS, type ItemKind } from './kinds.js';

/** Base path of the SOAP services. */
export const WSAPI_PATH = '/wsapi';
/** HTML listing of every service. */
export const LISTING_PATH = `${WSAPI_PATH}/test`;
export const METADATA_SERVICE = 'MetadataService';

export const servicePath = (service: string): string => `${WSAPI_PATH}/${service}`;
/** Target namespace of a service's WSDL and XSD. */
export const serviceNamespace = (service: string): string => `urn:upsales:wsapi:${service}`;
/** SOAP port and binding names in each WSDL. */
export const portName = (service: string): string => `${service}Port`;
export const bindingName = (service: string): string => `${service}Binding`;

/** The six operations every item service supports. */
export const OPERATIONS = ['getAll', 'getByCriteria', 'get', 'create', 'update', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Operations of the metadata service. */
export const META_OPERATIONS = [
  'getCustomFields', 'getOrderStages', 'getActivityTypes', 'getAppointmentTypes',
  'getProductCategories', 'getClientCategories', 'getRoles', 'getCurrencies',
] as const;
export type MetaOperation = (typeof META_OPERATIONS)[number];

export const CRITERIA_OPERATORS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'contains', 'startsWith', 'isNull'] as const;
export type CriteriaOperator = (typeof CRITERIA_OPERATORS)[number];

/** `getByCriteria` paging limits. */
export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 2000;

export const FAULT_CODES = [
  'AUTHENTICATION_FAILED', 'API_ACCESS_DENIED', 'ACCESS_DENIED', 'THROTTLED', 'NOT_FOUND', 'VALIDATION_ERROR', 'INTERNAL',
] as const;
export type FaultCode = (typeof FAULT_CODES)[number];

/** The WS-Security 1.0 namespaces and token types. */
export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
export const PASSWORD_TEXT = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';
export const PASSWORD_DIGEST = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
export const NONCE_BASE64 = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/** Every SOAP service: the item services from the kinds table, and metadata. */
export const ITEM_SERVICES: Record<string, ItemKind> = Object.fromEntries(
  (Object.keys(KINDS) as ItemKind[]).map((kind) => [KINDS[kind].service, kind]),
);
export const ALL_SERVICES = [...Object.keys(ITEM_SERVICES), METADATA_SERVICE];

/**
 * Faults of the contract. Thrown anywhere in the service; turned into a
 * SOAP 1.1 Fault with `detail/UpsalesFault` by the pipeline or by node-soap.
 */
import type { FaultCode } from '../../contract/wire.js';
import type { UpsalesFault } from '../../contract/types.js';
import { escapeXml } from '../xml/escape-xml.js';

const CLIENT_CODES = new Set<FaultCode>(['AUTHENTICATION_FAILED', 'API_ACCESS_DENIED', 'ACCESS_DENIED', 'THROTTLED', 'NOT_FOUND', 'VALIDATION_ERROR']);

export class SimFault extends Error {
  constructor(readonly code: FaultCode, message: string, readonly extra: Pick<UpsalesFault, 'itemIndex' | 'field' | 'retryAfterMs'> = {}) {
    super(message);
  }

  /** `soap:Client` for the caller's mistakes, `soap:Server` otherwise. */
  get faultcode(): string {
    return CLIENT_CODES.has(this.code) ? 'soap:Client' : 'soap:Server';
  }

  /** In the XSD's element order. */
  get detail(): UpsalesFault {
    const { itemIndex, field, retryAfterMs } = this.extra;
    return {
      code: this.code, message: this.message,
      ...(itemIndex !== undefined && { itemIndex }), ...(field !== undefined && { field }), ...(retryAfterMs !== undefined && { retryAfterMs }),
    };
  }

  /** The shape node-soap's server turns into a SOAP 1.1 fault (HTTP 500). */
  toNodeSoap(): { Fault: Record<string, unknown> } {
    return { Fault: { faultcode: this.faultcode, faultstring: this.message, detail: { 'tns:UpsalesFault': this.detail }, statusCode: 500 } };
  }
}

export const validationError = (message: string, field?: string, itemIndex?: number): SimFault =>
  new SimFault('VALIDATION_ERROR', message, { ...(field !== undefined && { field }), ...(itemIndex !== undefined && { itemIndex }) });

/** A complete SOAP 1.1 fault envelope, for faults raised before node-soap sees the request. */
export function faultEnvelope(fault: SimFault, namespace?: string): string {
  const detail = Object.entries(fault.detail).map(([key, value]) => `<${key}>${escapeXml(String(value))}</${key}>`).join('');
  const tns = namespace ? ` xmlns:tns="${escapeXml(namespace)}"` : '';
  const detailName = namespace ? 'tns:UpsalesFault' : 'UpsalesFault';
  return '<?xml version="1.0" encoding="utf-8"?>'
    + `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"${tns}><soap:Body><soap:Fault>`
    + `<faultcode>${fault.faultcode}</faultcode><faultstring>${escapeXml(fault.message)}</faultstring>`
    + `<detail><${detailName}>${detail}</${detailName}></detail></soap:Fault></soap:Body></soap:Envelope>`;
}

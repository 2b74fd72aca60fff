/**
 * Upstream failures as one typed error. Messages are safe to show: they come
 * from the fault's UpsalesFault message (written for callers) or are fixed
 * texts; never the host, the request, or credentials. The original error is
 * deliberately not kept as `cause` (node-soap's errors hold the request XML).
 */
import { BudgetWaitError } from '../budget/index.js';
import { FAULT_CODES, type FaultCode } from '../contract/wire.js';
import type { UpstreamErrorKind } from './types.js';

export class UpstreamError extends Error {
  /** The UpsalesFault code for faults, otherwise the kind. */
  readonly code: string;
  declare readonly itemIndex?: number;
  declare readonly field?: string;
  declare readonly retryAfterMs?: number;

  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    details: { code?: string; itemIndex?: number; field?: string; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'UpstreamError';
    this.code = details.code ?? kind;
    if (details.itemIndex !== undefined) this.itemIndex = details.itemIndex;
    if (details.field !== undefined) this.field = details.field;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** An item asked for by id that the caller cannot see (no such item, or not theirs): `what` names it (`Client 7`). */
export class ItemMissingError extends UpstreamError {
  constructor(readonly what: string) {
    super('NOT_FOUND', `${what} was not found`);
    this.name = 'ItemMissingError';
  }
}

const isFaultCode = (code: unknown): code is FaultCode => typeof code === 'string' && (FAULT_CODES as readonly string[]).includes(code);

const text = (value: unknown): string | undefined => {
  if (value !== null && typeof value === 'object' && '$value' in value) value = (value as { $value: unknown }).$value;
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : undefined;
};
const int = (value: unknown): number | undefined => {
  const t = text(value);
  return t !== undefined && /^\d+$/.test(t) ? Number(t) : undefined;
};

/** Finds `Body/Fault` in what node-soap attached to a fault error (`root`). */
function faultOf(error: unknown): Record<string, unknown> | null {
  const root = (error as { root?: { Envelope?: { Body?: { Fault?: unknown } } } } | null)?.root;
  const fault = root?.Envelope?.Body?.Fault;
  return fault !== null && typeof fault === 'object' ? (fault as Record<string, unknown>) : null;
}

/** Maps anything a SOAP call can throw to an {@link UpstreamError}. */
export function toUpstreamError(error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof BudgetWaitError) {
    return error.blockedUntil
      ? new UpstreamError('THROTTLED', 'The Upsales account is blocked by its throttle; try again later', {
        retryAfterMs: Math.max(0, error.blockedUntil.getTime() - Date.now()),
      })
      : new UpstreamError('THROTTLED', error.queueFull
        ? 'Too many calls of this Upsales account are waiting for its call budget; try again later'
        : 'The call waited too long for the Upsales call budget; try again later', {
        retryAfterMs: error.retryAfterMs ?? 0,
      });
  }
  const fault = faultOf(error);
  if (fault) {
    const detail = fault.detail as Record<string, unknown> | undefined;
    const upsales = detail && typeof detail === 'object' ? (detail.UpsalesFault as Record<string, unknown> | undefined) : undefined;
    const code = upsales && text(upsales.code);
    if (upsales && isFaultCode(code)) {
      return new UpstreamError(code, text(upsales.message) || `Upsales answered ${code}`, {
        code,
        itemIndex: int(upsales.itemIndex),
        field: text(upsales.field),
        retryAfterMs: int(upsales.retryAfterMs),
      });
    }
    const client = /Client$/.test(text(fault.faultcode) ?? '');
    return new UpstreamError(client ? 'PROTOCOL' : 'INTERNAL', client ? 'Upsales rejected the request' : 'Upsales failed to answer the request');
  }
  const { code, response } = (error ?? {}) as { code?: unknown; response?: { status?: unknown } };
  if (!response && typeof code === 'string' && /^(E[A-Z]+|ERR_[A-Z_]+)$/.test(code)) {
    return new UpstreamError('UNREACHABLE', `The Upsales service could not be reached (${code})`);
  }
  const status = typeof response?.status === 'number' ? ` (HTTP ${response.status})` : '';
  return new UpstreamError('PROTOCOL', `Upsales sent a response that is not a valid SOAP answer${status}`);
}

/**
 * How long a batch whose outcome is unknown must wait before it is looked up:
 * aborting a timed-out call does not stop Upsales from processing it, so a
 * slow create may land up to the call's timeout after it was sent, plus
 * whatever Upsales takes beyond that.
 */
import { configFromEnv } from '../config.js';

/** `IMPORT_RECONCILE_GRACE_MS`: the margin after the upstream timeout. @default 30000 */
export const DEFAULT_RECONCILE_GRACE_MS = 30_000;

/** `IMPORT_RECONCILE_GRACE_MS`, checked as the other settings are: unset or empty is the default, anything but a whole number from 0 fails naming it. */
function reconcileGraceMs(env: NodeJS.ProcessEnv): number {
  const raw = env.IMPORT_RECONCILE_GRACE_MS;
  if (raw === undefined || raw === '') return DEFAULT_RECONCILE_GRACE_MS;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`IMPORT_RECONCILE_GRACE_MS must be a whole number of milliseconds (0 or more), got "${raw}"`);
  }
  return value;
}

/** `UPSALES_TIMEOUT_MS` plus `IMPORT_RECONCILE_GRACE_MS`, as the gateway and the CLI read them. */
export function settleMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return configFromEnv(env).timeoutMs + reconcileGraceMs(env);
}

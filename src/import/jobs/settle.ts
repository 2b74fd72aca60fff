/**
 * How long a batch whose outcome is unknown must wait before it is looked up:
 * aborting a timed-out call does not stop Upsales from processing it, so a
 * slow create may land up to the call's timeout after it was sent, plus
 * whatever Upsales takes beyond that.
 */
import { configFromEnv, wholeMs } from '../../config/config.js';

/** `IMPORT_RECONCILE_GRACE_MS`: the margin after the upstream timeout. @default 30000 */
export const DEFAULT_RECONCILE_GRACE_MS = 30_000;

/** `UPSALES_TIMEOUT_MS` plus `IMPORT_RECONCILE_GRACE_MS`, as the gateway and the CLI read them. */
export function settleMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return configFromEnv(env).timeoutMs + wholeMs(env, 'IMPORT_RECONCILE_GRACE_MS', DEFAULT_RECONCILE_GRACE_MS);
}

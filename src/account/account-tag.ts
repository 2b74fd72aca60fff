/**
 * The one hash that names an Upsales account (or any username) wherever a
 * process keeps it outside its own memory: Redis keys of the call budget,
 * the read cache and import jobs, and metric labels. With ACCOUNT_HASH_KEY
 * set it is an HMAC, so a list of employee e-mails cannot be checked
 * against the keys; without it, plain SHA-256, as before the key existed.
 * Every process sharing one Redis must use the same key: the keys in Redis
 * are made from it. Imports nothing of ours: any room may use it.
 */
import { createHash, createHmac } from 'node:crypto';

/** The shortest ACCOUNT_HASH_KEY accepted. */
export const ACCOUNT_HASH_KEY_MIN_CHARS = 16;

/** ACCOUNT_HASH_KEY, or undefined when unset or empty; throws, naming it, when it is too short to be a secret. */
function accountHashKey(env: NodeJS.ProcessEnv): string | undefined {
  const key = env.ACCOUNT_HASH_KEY;
  if (key === undefined || key === '') return undefined;
  if (key.length < ACCOUNT_HASH_KEY_MIN_CHARS) {
    throw new Error(`ACCOUNT_HASH_KEY must be at least ${ACCOUNT_HASH_KEY_MIN_CHARS} characters (a random secret every replica shares), got ${key.length}`);
  }
  return key;
}

/** Fails start-up with a clear message when ACCOUNT_HASH_KEY is set but unusable. */
export function checkAccountHashKey(env: NodeJS.ProcessEnv = process.env): void {
  accountHashKey(env);
}

/**
 * HMAC-SHA256 of `text` keyed by ACCOUNT_HASH_KEY (plain SHA-256 without
 * it), in lower-case hex (64 digits); callers may keep a prefix.
 */
export function accountTag(text: string): string {
  const key = accountHashKey(process.env);
  return (key === undefined ? createHash('sha256') : createHmac('sha256', key)).update(text).digest('hex');
}

/**
 * HMAC-SHA256 of `text` keyed by ACCOUNT_HASH_KEY, in hex; undefined
 * without the key. For what may leave the process only when nobody without
 * the key can check a guess against it (a mark of a password Upsales
 * accepted, told to the other replicas).
 */
export function keyedProof(text: string): string | undefined {
  const key = accountHashKey(process.env);
  return key === undefined ? undefined : createHmac('sha256', key).update(text).digest('hex');
}

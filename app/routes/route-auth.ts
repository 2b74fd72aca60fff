/**
 * Who calls an import HTTP route: the request's caller from the one
 * credentials step (plugins/use-caller.ts), as for GraphQL. Only
 * credentials Upsales accepted are served: checked with one lookup of the
 * user, then remembered for the gateway (shared with GraphQL). Credentials
 * never appear in an answer.
 */
import type { ImportService } from '../../src/import/jobs/import-service.js';
import type { Credentials, UpstreamClient } from '../../src/upstream/types.js';
import { callerOf, type Caller } from '../../src/request/credentials.js';

export interface ImportRouteDeps {
  imports: ImportService;
  /** A client for the password check of `credentials` (its calls count nowhere else). */
  clientFor(credentials: Credentials): UpstreamClient;
}

export const CHALLENGE = { 'www-authenticate': 'Basic realm="Upsales", charset="UTF-8"' };

/** Why the caller is refused: an HTTP status and a message for them. */
export interface Refusal {
  status: 401 | 403 | 502;
  message: string;
}

const NO_CREDENTIALS: Refusal = { status: 401, message: 'Send your Upsales username and password as HTTP Basic credentials' };

async function refusal(deps: ImportRouteDeps, caller: Caller): Promise<Refusal | null> {
  try {
    await caller.verify(deps.clientFor(caller.credentials));
    return null;
  } catch (error) {
    const kind = (error as { kind?: string }).kind;
    if (kind === 'AUTHENTICATION_FAILED') return { status: 401, message: 'Upsales rejected the username or password' };
    if (kind === 'API_ACCESS_DENIED') return { status: 403, message: 'This Upsales user has no API access' };
    return { status: 502, message: 'Upsales could not check the credentials' };
  }
}

/** The request's caller once Upsales has accepted their credentials, or why they are refused. */
export async function authenticate(deps: ImportRouteDeps, serverContext: object): Promise<Caller | Refusal> {
  let caller: Caller;
  try {
    caller = callerOf(serverContext);
  } catch {
    return NO_CREDENTIALS;
  }
  return (await refusal(deps, caller)) ?? caller;
}

export const isRefusal = (value: Caller | Refusal): value is Refusal => 'status' in value;

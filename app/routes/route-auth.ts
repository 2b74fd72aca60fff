/**
 * Who calls an import HTTP route: HTTP Basic credentials, or the configured
 * account, as for GraphQL. Only credentials Upsales accepted are served:
 * checked with one upstream call, then remembered in the gateway's
 * {@link VerifiedAccounts} (shared with GraphQL). Credentials never appear in
 * an answer.
 */
import { basicCredentials } from '../../src/request/request-state.js';
import type { Credentials, UpstreamClient } from '../../src/upstream/types.js';
import type { VerifiedAccounts } from '../../src/request/verified-accounts.js';
import type { ImportService } from '../../src/import/jobs/import-service.js';

export interface ImportRouteDeps {
  imports: ImportService;
  defaultCredentials?: Credentials;
  clientFor(credentials: Credentials): UpstreamClient;
  /** The gateway's cache of accepted credentials. */
  verifiedAccounts: VerifiedAccounts;
}

export const CHALLENGE = { 'www-authenticate': 'Basic realm="Upsales", charset="UTF-8"' };

/** Why the caller is refused: an HTTP status and a message for them. */
export interface Refusal {
  status: 401 | 403 | 502;
  message: string;
}

async function refusal(deps: ImportRouteDeps, credentials: Credentials): Promise<Refusal | null> {
  try {
    await deps.verifiedAccounts.verify(credentials, () => deps.clientFor(credentials).getByCriteria('user', {
      criteria: [{ field: 'email', operator: 'eq', values: [credentials.username] }], limit: 1,
    }));
    return null;
  } catch (error) {
    const kind = (error as { kind?: string }).kind;
    if (kind === 'AUTHENTICATION_FAILED') return { status: 401, message: 'Upsales rejected the username or password' };
    if (kind === 'API_ACCESS_DENIED') return { status: 403, message: 'This Upsales user has no API access' };
    return { status: 502, message: 'Upsales could not check the credentials' };
  }
}

/** The caller's checked credentials, or why they are refused. */
export async function authenticate(deps: ImportRouteDeps, request: Request): Promise<Credentials | Refusal> {
  let credentials: Credentials | undefined;
  try {
    credentials = basicCredentials(request.headers.get('authorization')) ?? deps.defaultCredentials;
  } catch {
    credentials = undefined;
  }
  if (!credentials) return { status: 401, message: 'Send your Upsales username and password as HTTP Basic credentials' };
  return (await refusal(deps, credentials)) ?? credentials;
}

export const isRefusal = (value: Credentials | Refusal): value is Refusal => 'status' in value;

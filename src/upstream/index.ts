export { createUpstream, type KeptListener, type Upstream, type UpstreamOptions, type UpstreamWrite, type WriteListener } from './create-upstream.js';
export { ItemMissingError, UpstreamError } from './errors.js';
export { fetchAll, ID_BATCH, loadByIds } from './paged-reads.js';
export { UpstreamConfigError, checkBaseUrl, isLoopbackHost } from './base-url.js';
export type { PasswordType } from './wsse.js';
export type * from './types.js';

/**
 * What the import HTTP routes need of the gateway: the import service. Who
 * calls them is the request's caller from the one credentials step
 * (src/request/credentials.ts: `acceptedCaller`), as for GraphQL.
 */
import type { ImportService } from '../../src/import/jobs/import-service.js';
import type { UploadSlots } from '../../src/request/upload-slots.js';

export interface ImportRouteDeps {
  imports: ImportService;
  /** Uploads in flight, bounded per user and in all. */
  uploads: UploadSlots;
}

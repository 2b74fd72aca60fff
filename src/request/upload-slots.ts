/**
 * Uploads in flight (a GraphQL multipart request, a file streamed to POST
 * /imports): each holds memory or a disk stream until it is read, so they
 * are bounded per user (MAX_UPLOADS_PER_USER) and in all (MAX_UPLOADS).
 * Past a bound an upload is refused at once, before its body is read: 429
 * `TOO_MANY_UPLOADS` for the user's bound, 503 `UNAVAILABLE` for the
 * gateway's, each with Retry-After.
 */
import { HeldSlots } from './held-slots.js';

export { isSlotRefusal as isUploadRefusal, type SlotRefusal as UploadRefusal, type SlotRelease as UploadRelease } from './held-slots.js';

export class UploadSlots extends HeldSlots {
  constructor(perUser: number, inAll: number) {
    super(perUser, inAll, { what: 'uploads', perUserSetting: 'MAX_UPLOADS_PER_USER', inAllSetting: 'MAX_UPLOADS', advice: 'wait for one to finish' });
  }
}

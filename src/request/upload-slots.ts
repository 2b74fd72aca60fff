/**
 * Uploads in flight (a GraphQL multipart request, a file streamed to POST
 * /imports): each holds memory or a disk stream until it is read, so they
 * are bounded per user (MAX_UPLOADS_PER_USER) and in all (MAX_UPLOADS).
 * Past a bound an upload is refused at once, before its body is read: 429
 * for the user's bound, 503 for the gateway's, each with Retry-After.
 */
import { usernameOf } from './verified-accounts.js';

export interface UploadRefusal {
  status: 429 | 503;
  message: string;
  /** Seconds after which trying again is worth it. */
  retryAfterSeconds: number;
}

/** A slot held: give it back once the upload is read (more than once is harmless). */
export type UploadRelease = () => void;

const RETRY_AFTER_SECONDS = 5;

export class UploadSlots {
  private readonly byUser = new Map<string, number>();
  private total = 0;

  constructor(private readonly perUser: number, private readonly inAll: number) {}

  /** Uploads in flight now. */
  get inFlight(): number {
    return this.total;
  }

  /** A slot for one upload of `username`, or why there is none. */
  take(username: string): UploadRelease | UploadRefusal {
    const user = usernameOf({ username });
    const held = this.byUser.get(user) ?? 0;
    if (held >= this.perUser) {
      return { status: 429, message: `You have ${held} uploads in progress, the most MAX_UPLOADS_PER_USER (${this.perUser}) allows: wait for one to finish`, retryAfterSeconds: RETRY_AFTER_SECONDS };
    }
    if (this.total >= this.inAll) {
      return { status: 503, message: `The gateway reads ${this.total} uploads, the most MAX_UPLOADS (${this.inAll}) allows: try again shortly`, retryAfterSeconds: RETRY_AFTER_SECONDS };
    }
    this.byUser.set(user, held + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byUser.get(user) ?? 1) - 1;
      if (left > 0) this.byUser.set(user, left);
      else this.byUser.delete(user);
    };
  }
}

export const isUploadRefusal = (value: UploadRelease | UploadRefusal): value is UploadRefusal => typeof value !== 'function';

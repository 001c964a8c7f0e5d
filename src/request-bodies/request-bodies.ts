import type { AppConfig } from '../config/app-config';
import { BodyAdmission, type AdmissionRelease } from './body-admission';

/**
 * Bodies from 1 MiB up (layer parts, large manifests) are "large": they are counted one by one,
 * each as large as the largest body, and only `LARGE_BODY_CONCURRENCY` of them are read at once.
 */
export const LARGE_BODY_BYTES = 1024 * 1024;

/**
 * The request bodies this instance holds in memory, one account of them for every front door
 * that buffers a body (docs/limits.md): large bodies by count, smaller ones by bytes, each
 * overall and per access key.
 */
export class RequestBodies {
  readonly large: BodyAdmission;
  readonly small: BodyAdmission;

  constructor(limits: AppConfig['bodyLimits']) {
    this.large = new BodyAdmission(
      limits.largeConcurrency,
      limits.largeConcurrencyPerKey,
      limits.queueTimeoutMs,
      'large request bodies',
    );
    this.small = new BodyAdmission(
      limits.smallBytes,
      limits.smallBytesPerKey,
      limits.queueTimeoutMs,
      'bytes of request bodies',
    );
  }

  /**
   * Resolves once a body of `bytes` (its `Content-Length`, or the most it may hold), plus
   * `alsoHeld` bytes kept beside it (what it decodes to), may be read for `key`; rejects with
   * AdmissionTimeoutError after the queue's wait, or when `signal` aborts.
   */
  admit(key: string, bytes: number, signal?: AbortSignal, alsoHeld = 0): Promise<AdmissionRelease> {
    return bytes >= LARGE_BODY_BYTES
      ? this.large.admit(key, 1, signal)
      : this.small.admit(key, bytes + alsoHeld, signal);
  }
}

interface Waiter {
  key: string;
  weight: number;
  grant(): void;
}

/**
 * A body refused after waiting `waitMs` for its turn; each front door answers it in its own
 * format (and both as "try again later").
 */
export class AdmissionTimeoutError extends Error {
  override readonly name = 'AdmissionTimeoutError';
}

/** Gives the admission back; idempotent. */
export type AdmissionRelease = () => void;

/**
 * Lets request bodies into memory, before their signature can be checked: at most `capacity`
 * units at once in this instance, and at most `perKey` for one access key (a key id is no
 * secret: it appears in AccessDeniedException messages, so anyone can spend a key's share, never
 * more). The units are the caller's: one per large body, or bytes. A body that does not fit waits
 * its turn, in arrival order, for at most `waitMs`, then is refused with AdmissionTimeoutError. A
 * waiter held back only by its own key's share lets others pass; one held back by the instance's
 * capacity stops the queue, so that a large body is not starved by smaller ones.
 */
export class BodyAdmission {
  private used = 0;
  private readonly byKey = new Map<string, number>();
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly capacity: number,
    readonly perKey: number,
    readonly waitMs: number,
    /** What is counted, for the refusal's message ("large request bodies", ...). */
    private readonly what: string,
  ) {}

  /** Units in use now (for tests and metrics). */
  get inUse(): number {
    return this.used;
  }

  /** Bodies waiting for their turn now. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves once `weight` units are this key's; rejects with AdmissionTimeoutError after `waitMs`,
   * or with the signal's reason when it aborts first (the client went away).
   */
  admit(key: string, weight: number, signal?: AbortSignal): Promise<AdmissionRelease> {
    // A body larger than a whole share would wait for ever; it takes the whole share instead.
    const units = Math.min(weight, this.capacity, this.perKey);
    return new Promise<AdmissionRelease>((resolve, reject) => {
      // Set once the waiter has to wait; granted at once, it never is.
      const wait: { timer?: NodeJS.Timeout } = {};
      const onAbort = (): void => {
        if (!this.drop(waiter)) return;
        clearTimeout(wait.timer);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const waiter: Waiter = {
        key,
        weight: units,
        grant: () => {
          clearTimeout(wait.timer);
          signal?.removeEventListener('abort', onAbort);
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            this.give(key, units);
          });
        },
      };
      this.waiting.push(waiter);
      this.pump();
      if (!this.waiting.includes(waiter)) return;
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      wait.timer = setTimeout(() => {
        if (!this.drop(waiter)) return;
        signal?.removeEventListener('abort', onAbort);
        reject(
          new AdmissionTimeoutError(
            `Rate exceeded: too many ${this.what} in progress (this instance reads ${this.capacity} at once, ${this.perKey} for one access key)`,
          ),
        );
      }, this.waitMs);
    });
  }

  private drop(waiter: Waiter): boolean {
    const at = this.waiting.indexOf(waiter);
    if (at < 0) return false;
    this.waiting.splice(at, 1);
    // A waiter that stopped the queue may be gone: the ones behind it may fit now.
    this.pump();
    return true;
  }

  private give(key: string, units: number): void {
    this.used -= units;
    const left = (this.byKey.get(key) ?? 0) - units;
    if (left > 0) this.byKey.set(key, left);
    else this.byKey.delete(key);
    this.pump();
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length;) {
      const waiter = this.waiting[i];
      const keyUsed = this.byKey.get(waiter.key) ?? 0;
      if (keyUsed + waiter.weight > this.perKey) {
        i++;
        continue;
      }
      if (this.used + waiter.weight > this.capacity) break;
      this.waiting.splice(i, 1);
      this.used += waiter.weight;
      this.byKey.set(waiter.key, keyUsed + waiter.weight);
      waiter.grant();
    }
  }
}

import type { Request } from 'express';
import {
  AdmissionTimeoutError,
  BodyAdmission,
  type AdmissionRelease,
} from '../request-bodies/body-admission';
import { OciError } from './oci-errors';

/**
 * The /v2 request bodies each account has in progress on this instance
 * (OCI_BODY_CONCURRENCY_PER_ACCOUNT). Past it a body waits, unread, for one of the account's
 * bodies to end (a burst of pushes queues briefly instead of failing), and after
 * BODY_QUEUE_TIMEOUT it is refused with 429: one account's slow bodies cannot occupy the
 * instance, and other accounts' bodies never wait behind them.
 */
export class AccountBodies {
  private readonly admission: BodyAdmission;

  constructor(perAccount: number, queueTimeoutMs: number) {
    this.admission = new BodyAdmission(
      Number.MAX_SAFE_INTEGER,
      perAccount,
      queueTimeoutMs,
      '/v2 bodies',
    );
  }

  /** One more body of the account in progress, once its turn comes; the release ends it. */
  async admit(req: Request, registryId: string): Promise<AdmissionRelease> {
    const gone = new AbortController();
    const onClose = (): void => {
      if (!req.complete) gone.abort(new Error('the client went away while its body waited'));
    };
    req.once('close', onClose);
    try {
      return await this.admission.admit(registryId, 1, gone.signal);
    } catch (err) {
      if (!(err instanceof AdmissionTimeoutError)) throw err;
      throw new OciError(
        'TOOMANYREQUESTS',
        `Too many request bodies of this account in progress: this instance reads at most ${this.admission.perKey} /v2 request bodies of one account at once; retry once one has arrived`,
      );
    } finally {
      req.off('close', onClose);
    }
  }
}

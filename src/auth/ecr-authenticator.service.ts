import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ActiveAccessKey, AccessKeysService } from './access-keys.service';
import { UnrecognizedClientException } from './auth.errors';
import {
  checkSigningTime,
  PresentedSignature,
  readSignature,
  SignedRequest,
  verifySignature,
} from './sigv4';

/** The service name ECR clients sign for. */
export const ECR_SIGNING_SERVICE = 'ecr';

/** Who made a verified call. */
export interface Caller {
  accountId: string;
  accessKeyId: string;
}

/** A request whose signature was read and whose key is active, before its body has arrived. */
export interface PendingAuthentication {
  readonly signature: PresentedSignature;
  readonly key: ActiveAccessKey;
  /** Whether the key's status is read from its row, not from an instance's copy. */
  readonly currentKey: boolean;
}

/**
 * SigV4 authentication of ECR calls, in two steps so that a request is refused before its body is
 * read whenever the headers suffice (no signature, a bad one, a skewed clock, an unknown or
 * inactive key), and verified against the exact raw body otherwise.
 */
@Injectable()
export class EcrAuthenticator {
  constructor(
    private readonly keys: AccessKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Reads the signature and finds its key, refusing what the headers alone refuse. With
   * `currentKey` the key's row is read now, not a copy an instance reused. `service` is the
   * signing name the credential scope must carry (`ecr` unless another door says otherwise).
   */
  async begin(
    req: SignedRequest,
    options: { currentKey?: boolean; service?: string } = {},
    now = new Date(),
  ): Promise<PendingAuthentication> {
    const signature = readSignature(req, options.service ?? ECR_SIGNING_SERVICE);
    checkSigningTime(signature, now, this.config.clockSkewSeconds);
    const key = await this.keys.findActive(signature.accessKeyId, options);
    if (!key) throw new UnrecognizedClientException();
    return { signature, key, currentKey: options.currentKey ?? false };
  }

  /**
   * Verifies the signature over the body that arrived, then confirms that the key is still active:
   * a body can take longer than the key cache's lifetime to arrive, and a key deactivated
   * meanwhile must not run the operation (the admin call answers only once no instance still
   * accepts the key, so this check, within the same cache bound, sees the deactivation).
   */
  async finish(
    pending: PendingAuthentication,
    req: SignedRequest,
    body: Buffer,
    bodySha256?: string,
  ): Promise<Caller> {
    await verifySignature(req, body, pending.signature, pending.key.secretAccessKey, bodySha256);
    const still = await this.keys.findActive(pending.key.accessKeyId, {
      currentKey: pending.currentKey,
    });
    if (!still || still.accountId !== pending.key.accountId) {
      throw new UnrecognizedClientException();
    }
    this.keys.noteUse(pending.key.accessKeyId);
    return { accountId: pending.key.accountId, accessKeyId: pending.key.accessKeyId };
  }
}

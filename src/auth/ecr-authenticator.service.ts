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
   * `currentKey` the key's row is read now, not a copy an instance reused.
   */
  async begin(
    req: SignedRequest,
    options: { currentKey?: boolean } = {},
    now = new Date(),
  ): Promise<PendingAuthentication> {
    const signature = readSignature(req, ECR_SIGNING_SERVICE);
    checkSigningTime(signature, now, this.config.clockSkewSeconds);
    const key = await this.keys.findActive(signature.accessKeyId, options);
    if (!key) throw new UnrecognizedClientException();
    return { signature, key };
  }

  async finish(
    pending: PendingAuthentication,
    req: SignedRequest,
    body: Buffer,
    bodySha256?: string,
  ): Promise<Caller> {
    await verifySignature(req, body, pending.signature, pending.key.secretAccessKey, bodySha256);
    this.keys.noteUse(pending.key.accessKeyId);
    return { accountId: pending.key.accountId, accessKeyId: pending.key.accessKeyId };
  }
}

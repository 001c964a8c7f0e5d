import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from './constant-time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CryptoRepository } from './crypto.repository';
import { MasterKeyService } from './master-key.service';

const SECRET_NAME = 'signing-key';
const SEAL_CONTEXT = 'service_secrets:signing-key';

/**
 * HMAC-SHA256 signatures for what Berth hands out and must recognise later on any instance:
 * download URLs and registry tokens. The key is `SIGNING_KEY` when configured; otherwise one is
 * generated once into the database, sealed under the master key (whoever reads the database
 * cannot forge URLs with it), so every instance of a deployment shares it.
 */
@Injectable()
export class SigningKeyService implements OnApplicationBootstrap {
  private key?: Buffer;

  constructor(
    private readonly repository: CryptoRepository,
    private readonly masterKey: MasterKeyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // After every module's init: the master key must be loaded (and checked) first.
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.signingKey) {
      this.key = Buffer.from(this.config.signingKey, 'utf8');
      return;
    }
    // Of instances starting together, the first insert wins and everyone reads that one.
    const sealed = await this.repository.recordServiceSecret(
      SECRET_NAME,
      this.masterKey.seal(randomBytes(32).toString('base64'), SEAL_CONTEXT),
    );
    this.key = Buffer.from(this.masterKey.open(sealed, SEAL_CONTEXT), 'base64');
  }

  /** base64url HMAC of `purpose` and `message`; the purpose keeps signatures of one use from another. */
  sign(purpose: string, message: string): string {
    if (!this.key) throw new Error('the signing key is not loaded yet');
    return createHmac('sha256', this.key).update(`${purpose}\n${message}`).digest('base64url');
  }

  /** Constant-time check of a signature made by `sign`. */
  verify(purpose: string, message: string, signature: string): boolean {
    return constantTimeEqual(signature, this.sign(purpose, message));
  }
}

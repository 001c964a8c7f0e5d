import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { APP_CONFIG, AppConfig, parseMasterKey } from '../config/app-config';
import { MASTER_KEY_FILE } from '../config/data-files';
import { CryptoRepository } from './crypto.repository';
import { keyCheckValue, MASTER_KEY_BYTES, open, seal } from './secret-box';
import { ROOT_LOGGER } from '../logging/logger';
import { readOrCreateSecretFile } from './secret-files';

/** The master key in use does not match the one the database's secrets were sealed with. */
export class MasterKeyMismatchError extends Error {
  constructor(source: string) {
    super(
      `the master key (${source}) is not the key the secrets in this database were encrypted with; ` +
        'every instance of a deployment must use the same MASTER_KEY (Berth refuses to start rather than ' +
        'fail every request or write secrets no other instance can read)',
    );
    this.name = 'MasterKeyMismatchError';
  }
}

/**
 * The key that seals secrets at rest (AES-256-GCM): `MASTER_KEY`, or a key generated once into
 * `<DATA_DIR>/master.key`. At start its check value is compared with the one stored in the
 * database by the first instance: an instance with another key refuses to start.
 */
@Injectable()
export class MasterKeyService implements OnModuleInit {
  private key?: Buffer;

  constructor(
    private readonly repository: CryptoRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    let key: Buffer;
    let source: string;
    if (this.config.masterKey) {
      key = this.config.masterKey;
      source = 'MASTER_KEY';
    } else {
      const file = readOrCreateSecretFile(this.config.dataDir, MASTER_KEY_FILE, () =>
        randomBytes(MASTER_KEY_BYTES).toString('base64'),
      );
      if (!/^[A-Za-z0-9+/]{43}=?$|^[0-9a-fA-F]{64}$/.test(file.value)) {
        throw new Error(`${file.path} does not hold a 32-byte key in base64 or hex`);
      }
      key = parseMasterKey(file.value);
      source = file.path;
      if (file.created) {
        this.logger.warn(
          { file: file.path },
          'generated a master key: back it up with the database; several instances need MASTER_KEY set to one value',
        );
      }
    }
    const check = keyCheckValue(key);
    // The first instance to start records its key; every later one must have the same.
    const stored = await this.repository.recordMasterKeyCheck(check);
    if (!stored || stored.length !== check.length || !timingSafeEqual(stored, check)) {
      throw new MasterKeyMismatchError(source);
    }
    this.key = key;
  }

  private current(): Buffer {
    if (!this.key) throw new Error('the master key is not loaded yet');
    return this.key;
  }

  seal(secret: string, context: string): Buffer {
    return seal(this.current(), secret, context);
  }

  open(sealed: Buffer, context: string): string {
    return open(this.current(), sealed, context);
  }
}

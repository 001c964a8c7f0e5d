import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CREDENTIALS_FILE } from '../config/data-files';
import { ROOT_LOGGER } from '../logging/logger';
import { AccessKeysService } from './access-keys.service';
import { AuthRepository } from './auth.repository';
import { announce, writeSecretFile } from '../crypto/secret-files';

// An arbitrary, fixed key, distinct from the migrations' lock.
const BOOTSTRAP_LOCK_KEY = 0x62657275;

/**
 * First start: when the database holds no access key at all, creates the first account and key,
 * from BOOTSTRAP_* or generated. A generated key is shown once on stderr and written to
 * `<DATA_DIR>/credentials` (mode 0600) in the AWS shared-credentials format.
 */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  constructor(
    private readonly repository: AuthRepository,
    private readonly keys: AccessKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { accountId, accessKeyId, secretAccessKey } = this.config.bootstrap;
    const generated = accessKeyId === undefined;
    await this.repository.transaction(async (manager) => {
      // Instances starting together on one database: one creates, the others find it done.
      await this.repository.advisoryLock(manager, BOOTSTRAP_LOCK_KEY);
      if ((await this.repository.countAccessKeys(manager)) > 0) return;
      await this.repository.ensureAccount(manager, accountId);
      const created = await this.keys.create(
        accountId,
        { accessKeyId, secretAccessKey, description: 'created at first start' },
        manager,
      );
      this.logger.info(
        { accountId, accessKeyId: created.key.accessKeyId, generated },
        'created the first account and access key',
      );
      if (!generated) return;
      // Written before the commit: a key nobody can read must not be left behind.
      const file = writeSecretFile(
        this.config.dataDir,
        CREDENTIALS_FILE,
        [
          `# Berth: the first access key of account ${accountId}, generated at first start.`,
          `# aws --endpoint-url ${this.config.publicUrl} ecr describe-repositories, with`,
          `# AWS_SHARED_CREDENTIALS_FILE=<this file>, or copy the two values into 'aws configure'.`,
          '[default]',
          `aws_access_key_id = ${created.key.accessKeyId}`,
          `aws_secret_access_key = ${created.secretAccessKey}`,
          '',
        ].join('\n'),
      );
      announce([
        `generated the first access key of account ${accountId}. It is shown this once, and kept in ${file} (mode 0600):`,
        `  AWS_ACCESS_KEY_ID=${created.key.accessKeyId}`,
        `  AWS_SECRET_ACCESS_KEY=${created.secretAccessKey}`,
      ]);
    });
  }
}

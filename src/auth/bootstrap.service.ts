import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ROOT_LOGGER } from '../logging/logger';
import { AccessKeysService } from './access-keys.service';
import { AccountsService } from './accounts.service';
import { announce, writeSecretFile } from '../crypto/secret-files';

export const CREDENTIALS_FILE = 'credentials';
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
    private readonly dataSource: DataSource,
    private readonly accounts: AccountsService,
    private readonly keys: AccessKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { accountId, accessKeyId, secretAccessKey } = this.config.bootstrap;
    const generated = accessKeyId === undefined;
    await this.dataSource.transaction(async (manager) => {
      // Instances starting together on one database: one creates, the others find it done.
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
      const [{ n }] = await manager.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM access_keys',
      );
      if (n > 0) return;
      await manager.query('INSERT INTO accounts (id) VALUES ($1) ON CONFLICT DO NOTHING', [
        accountId,
      ]);
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

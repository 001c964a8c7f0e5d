import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { announce, readOrCreateSecretFile } from '../crypto/secret-files';
import { constantTimeEqual } from '../crypto/constant-time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ADMIN_TOKEN_FILE } from '../config/data-files';

/**
 * The bearer token of the admin API: `ADMIN_TOKEN`, or one generated once into
 * `<DATA_DIR>/admin.token` (mode 0600) and shown on stderr that once. It lives in configuration
 * and in that file only, never in the database or the log.
 */
@Injectable()
export class AdminTokenService implements OnModuleInit {
  private token?: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onModuleInit(): void {
    if (this.config.adminToken) {
      this.token = this.config.adminToken;
      return;
    }
    const file = readOrCreateSecretFile(this.config.dataDir, ADMIN_TOKEN_FILE, () =>
      randomBytes(32).toString('base64url'),
    );
    this.token = file.value;
    if (file.created) {
      announce([
        `generated the admin API token. It is shown this once, and kept in ${file.path} (mode 0600):`,
        `  Authorization: Bearer ${file.value}`,
      ]);
    }
  }

  /** Whether `given` is the token, in a time that does not depend on how much of it matches. */
  matches(given: string): boolean {
    if (!this.token) return false;
    return constantTimeEqual(given, this.token);
  }
}

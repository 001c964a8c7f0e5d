import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppConfig } from '../config/app-config';
import { ADMIN_TOKEN_FILE, CREDENTIALS_FILE } from '../config/data-files';

export interface GreetingLine {
  fields: Record<string, string | number>;
  msg: string;
}

/**
 * What `npm start` tells a person once Berth listens: where, where its data and credentials are,
 * and the next command to try. Log records (JSON elsewhere), so each carries its facts as fields.
 */
export function startupGreeting(
  config: AppConfig,
  database: 'embedded' | 'external',
  exists: (file: string) => boolean = fs.existsSync,
): GreetingLine[] {
  const url = config.publicUrl;
  const credentials = path.join(config.dataDir, CREDENTIALS_FILE);
  const adminToken = path.join(config.dataDir, ADMIN_TOKEN_FILE);
  const haveFile = exists(credentials);
  const lines: GreetingLine[] = [
    {
      fields: { url, host: config.host, port: config.port, database },
      msg: 'Berth is serving the ECR API',
    },
    {
      fields: { dataDir: config.dataDir, blobDir: config.blobDir },
      msg:
        database === 'embedded'
          ? `data: ${config.dataDir} (embedded PostgreSQL in ${path.join(config.dataDir, 'postgres')}, blobs in ${config.blobDir})`
          : `data: PostgreSQL at DATABASE_URL, blobs in ${config.blobDir}`,
    },
  ];
  if (haveFile) {
    lines.push({ fields: { credentials }, msg: `credentials: ${credentials} (AWS format)` });
  } else {
    lines.push({
      fields: {},
      msg:
        config.bootstrap.accessKeyId !== undefined
          ? `credentials: the access key of BOOTSTRAP_ACCESS_KEY_ID`
          : `credentials: access keys in the database; create one with the admin API`,
    });
  }
  if (config.adminToken === undefined && exists(adminToken)) {
    lines.push({ fields: { adminToken }, msg: `admin API token: ${adminToken}` });
  }
  const command =
    `aws ecr create-repository --repository-name hello --endpoint-url ${url} ` +
    `--region ${config.region}`;
  lines.push({
    fields: {},
    msg: `try: ${haveFile ? `AWS_SHARED_CREDENTIALS_FILE=${credentials} ` : ''}${command}`,
  });
  return lines;
}

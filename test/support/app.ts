import { ECRClient } from '@aws-sdk/client-ecr';
import { INestApplication } from '@nestjs/common';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createApp } from '../../src/app';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createTestDatabase, TestDatabase } from './database';
import { freePort } from '../../tooling/ports';

export interface TestApp {
  app: INestApplication;
  url: string;
  config: AppConfig;
  db: TestDatabase;
  client(options?: { region?: string; credentials?: Credentials }): ECRClient;
  close(): Promise<void>;
}

export { freePort };

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The first key of every test app's first account (BOOTSTRAP_* below). */
export const TEST_CREDENTIALS: Credentials = {
  accessKeyId: 'AKIABERTHTEST0000001',
  secretAccessKey: 'berth-test-secret-0000000000000000000000',
};
/** One master key for every instance of a test, as a deployment must have. */
export const TEST_MASTER_KEY = Buffer.from('berth test master key, 32 bytes.').toString('base64');
export const TEST_ADMIN_TOKEN = 'berth-test-admin-token-0123456789';

/** What a test instance is started with unless a test says otherwise ('' unsets). */
export const TEST_AUTH_ENV: Record<string, string> = {
  BOOTSTRAP_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  BOOTSTRAP_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  MASTER_KEY: TEST_MASTER_KEY,
  ADMIN_TOKEN: TEST_ADMIN_TOKEN,
};

export function ecrClient(
  url: string,
  options: { region?: string; credentials?: Credentials } = {},
): ECRClient {
  return new ECRClient({
    endpoint: url,
    region: options.region ?? 'us-east-1',
    credentials: options.credentials ?? TEST_CREDENTIALS,
    // One attempt: a test must see the first answer, not a retried one.
    maxAttempts: 1,
  });
}

/**
 * Boots the real application on a real port, on a fresh clone of the migrated template database
 * (or on `db` when given, to run several instances on one database).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  db?: TestDatabase,
): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  const port = await freePort();
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-data-'));
  const cleanUp = async (): Promise<void> => {
    if (!db) await database.drop();
    if (!env.DATA_DIR) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const config: AppConfig = {
    ...loadConfig({
      LOG_LEVEL: process.env.BERTH_TEST_LOG_LEVEL ?? 'fatal',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...TEST_AUTH_ENV,
      ...env,
      PORT: String(port),
      DATA_DIR: dataDir,
    }),
    databaseUrl: database.url,
  };
  let app: INestApplication;
  try {
    app = await createApp(config);
    await app.listen(port, '127.0.0.1');
  } catch (err) {
    // A start that is meant to fail (a test of refusals) leaves nothing behind either.
    await cleanUp();
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  const clients: ECRClient[] = [];
  return {
    app,
    url,
    config,
    db: database,
    client: (options) => {
      const client = ecrClient(url, options);
      clients.push(client);
      return client;
    },
    close: async () => {
      clients.forEach((c) => c.destroy());
      await app.close();
      await cleanUp();
    },
  };
}

export interface RawCallOptions {
  /** Whose key signs the call (the test key by default); null sends it unsigned. */
  credentials?: Credentials | null;
  /** Extra headers, sent as they are and signed along (an `authorization` here is kept as is). */
  headers?: Record<string, string>;
  signingDate?: Date;
  region?: string;
}

/**
 * SigV4 headers for a POST of `body` to `url`, computed with the same library as the SDK: the
 * host, every header given and x-amz-date are signed; the payload hash is not sent (as botocore).
 */
export async function signHeaders(
  url: string,
  headers: Record<string, string>,
  body: string | Buffer,
  options: { credentials?: Credentials; signingDate?: Date; region?: string } = {},
): Promise<Record<string, string>> {
  const { host, pathname } = new URL(url);
  const signer = new SignatureV4({
    service: 'ecr',
    region: options.region ?? 'us-east-1',
    credentials: options.credentials ?? TEST_CREDENTIALS,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: host,
      path: pathname,
      headers: { ...headers, host },
      body,
    }),
    { signingDate: options.signingDate },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name.toLowerCase() !== 'host') out[name] = value;
  }
  return out;
}

/** A raw ECR call, for what the SDK would never send. Signed with the test key by default. */
export async function rawCall(
  url: string,
  target: string | undefined,
  body: string | Buffer,
  contentType = 'application/x-amz-json-1.1',
  options: RawCallOptions = {},
): Promise<{
  status: number;
  headers: Headers;
  json: Record<string, unknown> | undefined;
  text: string;
}> {
  let headers: Record<string, string> = { 'content-type': contentType, ...options.headers };
  if (target !== undefined) headers['x-amz-target'] = target;
  if (options.credentials !== null && headers.authorization === undefined) {
    headers = await signHeaders(url, headers, body, {
      credentials: options.credentials,
      signingDate: options.signingDate,
      region: options.region,
    });
  }
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export const target = (operation: string): string =>
  `AmazonEC2ContainerRegistry_V20150921.${operation}`;

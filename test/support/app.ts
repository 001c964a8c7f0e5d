import { ECRClient } from '@aws-sdk/client-ecr';
import { INestApplication } from '@nestjs/common';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createApp } from '../../src/app';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createTestDatabase, TestDatabase } from './database';

export interface TestApp {
  app: INestApplication;
  url: string;
  config: AppConfig;
  db: TestDatabase;
  client(options?: { region?: string }): ECRClient;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIDBERTHTEST',
  secretAccessKey: 'berth-test-secret',
};

export function ecrClient(url: string, options: { region?: string } = {}): ECRClient {
  return new ECRClient({
    endpoint: url,
    region: options.region ?? 'us-east-1',
    credentials: TEST_CREDENTIALS,
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
  const config: AppConfig = {
    ...loadConfig({
      LOG_LEVEL: process.env.BERTH_TEST_LOG_LEVEL ?? 'fatal',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...env,
      PORT: String(port),
      DATA_DIR: dataDir,
    }),
    databaseUrl: database.url,
  };
  const app = await createApp(config);
  await app.listen(port, '127.0.0.1');
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
      if (!db) await database.drop();
      if (!env.DATA_DIR) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A raw ECR call, for what the SDK would never send. */
export async function rawCall(
  url: string,
  target: string | undefined,
  body: string | Buffer,
  contentType = 'application/x-amz-json-1.1',
): Promise<{
  status: number;
  headers: Headers;
  json: Record<string, unknown> | undefined;
  text: string;
}> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (target !== undefined) headers['x-amz-target'] = target;
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

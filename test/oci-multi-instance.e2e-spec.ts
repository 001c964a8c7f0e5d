import {
  BatchCheckLayerAvailabilityCommand,
  CreateRepositoryCommand,
  ECRClient,
} from '@aws-sdk/client-ecr';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ecrClient } from './support/app';
import { Cluster, type Driver } from './support/cluster';
import { createTestDatabase, type TestDatabase } from './support/database';
import { sha256Digest } from './support/layers';
import { v2Request } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';

const INSTANCES = 3;
const CHUNK = 700 * 1024;
const CHUNKS = 9;

/**
 * A /v2 chunked upload whose PATCHes alternate over three instances sharing one database and one
 * blob directory: the running SHA-256 (or, for a sha512 push, SHA-512) state travels in
 * PostgreSQL, so the upload completes on any of them, with the bytes as sent. For both storage
 * drivers.
 */
const DRIVERS: Driver[] = ['filesystem', 'postgres', 's3'];

describe.each(DRIVERS)('/v2 uploads across instances (%s)', (driver) => {
  let db: TestDatabase;
  let blobDir: string;
  let cluster: Cluster;
  let client: ECRClient;
  let authorization: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-shared-blobs-'));
    cluster = await Cluster.start({ size: INSTANCES, databaseUrl: db.url, driver, blobDir });
    client = ecrClient(cluster.url(0));
    await client.send(new CreateRepositoryCommand({ repositoryName: 'multi/chunks' }));
    authorization = basicAuth(await registryLogin(client));
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    await cluster?.stop();
    await db?.drop();
    if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it.each([
    ['sha256', ''],
    ['sha512', '?digest-algorithm=sha512'],
  ])(
    'takes PATCHes alternating over three instances and completes on another one (%s)',
    async (algorithm, announce) => {
      const data = randomBytes(CHUNK * CHUNKS + 123);
      const headers = { authorization };
      const start = await v2Request(
        cluster.url(0),
        'POST',
        `/v2/multi/chunks/blobs/uploads/${announce}`,
        { headers },
      );
      expect(start.status).toBe(202);
      let location = start.headers.location as string;
      for (let i = 0, at = 0; at < data.length; i++, at += CHUNK) {
        const chunk = data.subarray(at, at + CHUNK);
        const res = await v2Request(cluster.url(i), 'PATCH', location, {
          headers: { ...headers, 'content-range': `${at}-${at + chunk.length - 1}` },
          body: chunk,
        });
        expect({ status: res.status, range: res.headers.range }).toEqual({
          status: 202,
          range: `0-${at + chunk.length - 1}`,
        });
        location = res.headers.location as string;
      }
      const digest =
        algorithm === 'sha256'
          ? sha256Digest(data)
          : `sha512:${createHash('sha512').update(data).digest('hex')}`;
      const done = await v2Request(cluster.url(CHUNKS + 1), 'PUT', `${location}?digest=${digest}`, {
        headers,
      });
      expect(done.status).toBe(201);
      for (let i = 0; i < INSTANCES; i++) {
        const got = await v2Request(cluster.url(i), 'GET', `/v2/multi/chunks/blobs/${digest}`, {
          headers,
        });
        expect(got.status).toBe(200);
        expect(got.body.equals(data)).toBe(true);
      }
      // A layer of its repository for the ECR API too.
      const check = await client.send(
        new BatchCheckLayerAvailabilityCommand({
          repositoryName: 'multi/chunks',
          layerDigests: [digest],
        }),
      );
      expect(check.layers?.[0]).toMatchObject({
        layerAvailability: 'AVAILABLE',
        layerSize: data.length,
      });
    },
  );
});

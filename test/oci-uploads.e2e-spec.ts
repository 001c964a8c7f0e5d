import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
} from '@aws-sdk/client-ecr';
import { randomBytes } from 'node:crypto';
import { admin, createAccount } from './support/accounts';
import { startTestApp, TEST_CREDENTIALS, type TestApp } from './support/app';
import { sha256Digest } from './support/layers';
import { errorCode, streamingPatch, v2Request, type V2Response } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';
import { driverEnv } from './support/swift';

const MiB = 1024 * 1024;
/** Connections of the instance: 3 pooled, 1 for the layer cache's LISTEN. */
const POOL_SIZE = 4;
/** Slow bodies at once, twice the pooled connections. */
const SLOW_BODIES = 6;
const MAX_LAYER_PARTS = 3;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Account {
  ecr: ECRClient;
  auth: Record<string, string>;
  accessKeyId: string;
}

/**
 * The /v2 upload path against what an insider could do with it: bodies that take their time
 * hold no database connection, tiny chunks do not multiply parts, a chunk's body must hold what
 * its Content-Range says, and a key deactivated while a body arrives stores nothing more.
 */
describe.each(['filesystem', 'postgres', 's3'] as const)('/v2 uploads (%s driver)', (driver) => {
  let t: TestApp;
  let a: Account;
  let b: Account;

  const login = async (ecr: ECRClient, accessKeyId: string): Promise<Account> => ({
    ecr,
    auth: { authorization: basicAuth(await registryLogin(ecr)) },
    accessKeyId,
  });

  const call = (
    who: Account,
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<V2Response> =>
    v2Request(t.url, method, path, { ...options, headers: { ...who.auth, ...options.headers } });

  const startUpload = async (who: Account, repo: string): Promise<string> => {
    const res = await call(who, 'POST', `/v2/${repo}/blobs/uploads/`);
    expect(res.status).toBe(202);
    return String(res.headers.location);
  };

  const uploadIdOf = (location: string): string => location.split('/').pop()!;

  const adminUpload = async (
    location: string,
  ): Promise<{ bytesReceived: number; parts: number }> => {
    const res = await admin<{ bytesReceived: number; parts: number }>(
      t.url,
      'GET',
      `/admin/v1/uploads/${uploadIdOf(location)}`,
    );
    expect(res.status).toBe(200);
    return res.json;
  };

  beforeAll(async () => {
    t = await startTestApp({
      ...(await driverEnv(driver)),
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      MAX_LAYER_PARTS: String(MAX_LAYER_PARTS),
    });
    a = await login(t.client(), TEST_CREDENTIALS.accessKeyId);
    const other = await createAccount(t.url);
    b = await login(t.client({ credentials: other.credentials }), other.credentials.accessKeyId);
    await a.ecr.send(new CreateRepositoryCommand({ repositoryName: 'a/app' }));
    await b.ecr.send(new CreateRepositoryCommand({ repositoryName: 'b/app' }));
  });

  afterAll(async () => {
    await t?.close();
  });

  it("keeps another account's calls fast while slow PATCH bodies drip in, holding no connection", async () => {
    /** The slowest answer of each of A's calls over `rounds` rounds, and every status seen. */
    const probe = async (rounds: number) => {
      const worst = { describe: 0, v2: 0, ready: 0 };
      const statuses = new Set<string>();
      for (let i = 0; i < rounds; i++) {
        const timed = async <T>(name: keyof typeof worst, run: () => Promise<T>): Promise<T> => {
          const started = performance.now();
          const result = await run();
          worst[name] = Math.max(worst[name], performance.now() - started);
          return result;
        };
        await Promise.all([
          timed('describe', () => a.ecr.send(new DescribeRepositoriesCommand({}))).then(
            () => statuses.add('describe:200'),
            (err: Error) => statuses.add(`describe:${err.name}`),
          ),
          timed('v2', () => call(a, 'GET', '/v2/a/app/tags/list')).then((res) =>
            statuses.add(`v2:${res.status}`),
          ),
          timed('ready', () => fetch(`${t.url}/health/ready`)).then((res) =>
            statuses.add(`ready:${res.status}`),
          ),
        ]);
        await sleep(100);
      }
      return { worst, statuses: [...statuses].sort() };
    };
    const ms = (w: Record<string, number>): string =>
      Object.entries(w)
        .map(([name, v]) => `${name} ${Math.round(v)}`)
        .join(', ');
    const healthy = ['describe:200', 'ready:200', 'v2:200'];

    const before = await probe(5);
    expect(before.statuses).toEqual(healthy);

    const uploads = await Promise.all(
      Array.from({ length: SLOW_BODIES }, () => startUpload(b, 'b/app')),
    );
    const patches = uploads.map((location) => streamingPatch(t.url, location, b.auth));
    // One byte per body every 250 ms for 4 s, while A calls.
    const dripping = (async () => {
      for (let i = 0; i < 16; i++) {
        for (const p of patches) p.write(Buffer.from([i]));
        await sleep(250);
      }
      for (const p of patches) p.end();
    })();
    await sleep(500);
    const during = await probe(8);
    await dripping;
    const answers = await Promise.all(patches.map((p) => p.answer));

    console.log(
      `${driver}: A's slowest answers before the slow bodies ${ms(before.worst)} ms, ` +
        `during ${SLOW_BODIES} of them on ${POOL_SIZE} connections ${ms(during.worst)} ms`,
    );
    expect(during.statuses).toEqual(healthy);
    // Waiting for a connection a slow body holds would take the whole drip (4 s), or time out.
    expect(during.worst.describe).toBeLessThan(1500);
    expect(during.worst.v2).toBeLessThan(1500);
    expect(during.worst.ready).toBeLessThan(1500);
    // And the slow bodies were stored whole.
    expect(answers.map((r) => r.status)).toEqual(uploads.map(() => 202));
    expect(answers.map((r) => r.headers.range)).toEqual(uploads.map(() => '0-15'));
  });

  it('gathers tiny chunks into one part, and the blob is whole', async () => {
    const location = await startUpload(b, 'b/app');
    // Fewer on s3, where each chunk is two round trips to the S3 server (the tail read and
    // written again): the gathering is the same.
    const data = randomBytes(driver === 's3' ? 40 : 300);
    for (let i = 0; i < data.length; i++) {
      const res = await call(b, 'PATCH', location, {
        headers: { 'content-range': `${i}-${i}`, 'content-type': 'application/octet-stream' },
        body: data.subarray(i, i + 1),
      });
      expect(res.status).toBe(202);
      expect(res.headers.range).toBe(`0-${i}`);
    }
    expect(await adminUpload(location)).toMatchObject({ bytesReceived: data.length, parts: 1 });
    const digest = sha256Digest(data);
    const done = await call(b, 'PUT', `${location}?digest=${digest}`);
    expect(done.status).toBe(201);
    const blob = await call(b, 'GET', `/v2/b/app/blobs/${digest}`);
    expect(blob.body.equals(data)).toBe(true);
  });

  it('keeps every part but the last at least 5 MiB, whatever the chunk sizes', async () => {
    const location = await startUpload(b, 'b/app');
    const data = randomBytes(7 * MiB + 5);
    const chunks = [3 * MiB, 3 * MiB, MiB, 5];
    let at = 0;
    const parts: number[] = [];
    for (const size of chunks) {
      const res = await call(b, 'PATCH', location, { body: data.subarray(at, at + size) });
      expect(res.status).toBe(202);
      at += size;
      parts.push((await adminUpload(location)).parts);
    }
    // 3 MiB; 6 MiB (gathered); 6 MiB + 1 MiB; 6 MiB + (1 MiB + 5 bytes, gathered).
    expect(parts).toEqual([1, 1, 2, 2]);
    const digest = sha256Digest(data);
    expect((await call(b, 'PUT', `${location}?digest=${digest}`)).status).toBe(201);
    expect((await call(b, 'GET', `/v2/b/app/blobs/${digest}`)).body.equals(data)).toBe(true);
  });

  it('refuses the part past MAX_LAYER_PARTS, keeping the parts before it', async () => {
    const location = await startUpload(b, 'b/app');
    // A streamed body is stored in 8 MiB parts: the 4th would pass the limit of 3.
    const res = await call(b, 'PATCH', location, { body: randomBytes(24 * MiB + 1) });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('SIZE_INVALID');
    expect(JSON.stringify(res.json)).toContain(
      `already has ${MAX_LAYER_PARTS} layer parts, the most an upload may have (${MAX_LAYER_PARTS})`,
    );
    expect(await adminUpload(location)).toMatchObject({ bytesReceived: 24 * MiB, parts: 3 });
    const status = await call(b, 'GET', location);
    expect(status.headers.range).toBe(`0-${24 * MiB - 1}`);
  });

  describe('a chunked body that disagrees with its Content-Range', () => {
    it.each([
      ['shorter', 5],
      ['longer', 20],
    ])('is 416 BLOB_UPLOAD_INVALID when %s, with nothing of it stored', async (_, length) => {
      const location = await startUpload(b, 'b/app');
      const first = await call(b, 'PATCH', location, {
        headers: { 'content-range': '0-9' },
        body: randomBytes(10),
      });
      expect(first.status).toBe(202);
      const patch = streamingPatch(t.url, location, { ...b.auth, 'content-range': '10-19' });
      patch.write(randomBytes(length));
      patch.end();
      const res = await patch.answer;
      expect(res.status).toBe(416);
      expect(errorCode(res)).toBe('BLOB_UPLOAD_INVALID');
      expect(res.headers.range).toBe('0-9');
      expect(await adminUpload(location)).toMatchObject({ bytesReceived: 10, parts: 1 });
    });
  });

  it('stores nothing of a PATCH whose key is deactivated while its body arrives', async () => {
    const other = await createAccount(t.url);
    const c = await login(
      t.client({ credentials: other.credentials }),
      other.credentials.accessKeyId,
    );
    await c.ecr.send(new CreateRepositoryCommand({ repositoryName: 'c/app' }));
    const location = await startUpload(c, 'c/app');
    const patch = streamingPatch(t.url, location, c.auth);
    patch.write(randomBytes(1000));
    await sleep(200);
    const deactivated = await admin(t.url, 'PATCH', `/admin/v1/access-keys/${c.accessKeyId}`, {
      status: 'Inactive',
    });
    expect(deactivated.status).toBe(200);
    patch.write(randomBytes(1000));
    patch.end();
    const res = await patch.answer;
    // As the door answers any request of a deactivated key.
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe('UNAUTHORIZED');
    expect(await adminUpload(location)).toMatchObject({ bytesReceived: 0, parts: 0 });
  });
});

import { BatchGetImageCommand, CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import * as net from 'node:net';
import { admin, createAccount } from './support/accounts';
import { ecrClient, startTestApp, type TestApp } from './support/app';
import { startBerthProcess } from './support/berth-process';
import { rssBytes } from './support/cluster';
import { createTestDatabase } from './support/database';
import { MiB, sha256Digest } from './support/layers';
import { errorCode, v2Request, type V2Response } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';

// The /v2 door's protections of the instance against request bodies: the same memory admission
// as the ECR door's for manifests, a body timeout, a per-account cap on bodies in progress, the
// refusal of a body without reading it, and the check of the key once a manifest has arrived.

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const UPLOAD_ID = /\/blobs\/uploads\/([0-9a-f-]+)$/;

interface RawAnswer {
  /** The status line, headers and body as received. */
  text: string;
  status: number;
  /** The server closed the connection (the client never did). */
  closedByServer: boolean;
  /** From the first byte sent to the connection's close (or the wait's end). */
  ms: number;
}

interface RawRequest {
  write(bytes: Buffer): boolean;
  readonly socket: net.Socket;
  /** Resolves once the server closed the connection, or after `waitMs`. */
  answer: Promise<RawAnswer>;
}

/** A request on its own connection: the request line and headers, then whatever the test writes. */
function openRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  waitMs = 20_000,
): RawRequest {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  const socket = net.connect(Number(port), hostname);
  let text = '';
  const answer = new Promise<RawAnswer>((resolve) => {
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ text, status, closedByServer, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return { write: (bytes) => !socket.destroyed && socket.write(bytes), socket, answer };
}

/** Writes one byte every `everyMs` until the connection closes; answers the stop function. */
function drip(request: RawRequest, everyMs: number): () => void {
  const timer = setInterval(() => request.write(Buffer.from('a')), everyMs);
  void request.answer.then(() => clearInterval(timer));
  return () => clearInterval(timer);
}

function errorOf(answer: RawAnswer): { code?: string; message?: string } {
  const body = answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4);
  try {
    return (JSON.parse(body) as { errors: { code: string; message: string }[] }).errors[0];
  } catch {
    return {};
  }
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** The peak resident memory of a process, sampled every 25 ms until `stop()`. */
function sampleRss(pid: number): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // the process is gone: the test's own checks say so
    }
  }, 25);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid));
    },
  };
}

const configBlob = Buffer.from('{"architecture":"amd64","os":"linux"}');

function manifest(extra: Record<string, string> = {}): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256Digest(configBlob),
      size: configBlob.length,
    },
    layers: [],
    annotations: extra,
  });
}

/** An account of its own: its ECR client, and the Basic authorization of its /v2 token. */
async function account(
  url: string,
  repository: string,
): Promise<{ client: ECRClient; authorization: string; accountId: string; accessKeyId: string }> {
  const { accountId, credentials } = await createAccount(url);
  const client = ecrClient(url, { credentials });
  await client.send(new CreateRepositoryCommand({ repositoryName: repository }));
  const authorization = basicAuth(await registryLogin(client));
  const pushed = await v2Request(
    url,
    'POST',
    `/v2/${repository}/blobs/uploads/?digest=${sha256Digest(configBlob)}`,
    { headers: { authorization }, body: configBlob },
  );
  expect(pushed.status).toBe(201);
  return { client, authorization, accountId, accessKeyId: credentials.accessKeyId };
}

async function startUpload(url: string, repository: string, authorization: string) {
  const res = await v2Request(url, 'POST', `/v2/${repository}/blobs/uploads/`, {
    headers: { authorization },
  });
  expect(res.status).toBe(202);
  return UPLOAD_ID.exec(res.headers.location!)![1];
}

describe('/v2 request bodies', () => {
  describe('on one instance', () => {
    let t: TestApp;
    const clients: ECRClient[] = [];

    beforeAll(async () => {
      t = await startTestApp({
        BODY_TIMEOUT: '2s',
        BODY_QUEUE_TIMEOUT: '1s',
        OCI_BODY_CONCURRENCY_PER_ACCOUNT: '2',
        MAX_OPEN_UPLOADS_PER_REPOSITORY: '3',
      });
    });

    afterAll(async () => {
      clients.forEach((c) => c.destroy());
      await t?.close();
    });

    async function newAccount(repository: string) {
      const a = await account(t.url, repository);
      clients.push(a.client);
      return a;
    }

    it('answers a refused body at once and closes its connection instead of reading the body, counting what it read', async () => {
      const before = await metric(t.url, 'berth_received_bytes_total{api="oci"}');
      const request = openRequest(
        t.url,
        'PATCH',
        '/v2/bodies/app/blobs/uploads/3d0c6bc9-5b24-4a44-b1f4-7e5b7c2b4e1f',
        { 'content-length': '100000000000' },
      );
      // The client sends as fast as the connection takes it, for as long as it stays open.
      const chunk = Buffer.alloc(MiB);
      let sent = 0;
      let open = true;
      void request.answer.then(() => (open = false));
      const pump = (): void => {
        while (open && request.write(chunk)) sent += chunk.length;
        if (open) request.socket.once('drain', pump);
      };
      pump();
      const answer = await request.answer;
      open = false;
      expect(answer.status).toBe(401);
      expect(answer.text.toLowerCase()).toContain('connection: close');
      expect(errorOf(answer).code).toBe('UNAUTHORIZED');
      // Closed within the 2 s of lingering after the answer, not once 100 GB had been read.
      expect(answer.closedByServer).toBe(true);
      expect(answer.ms).toBeLessThan(5000);
      const read = (await metric(t.url, 'berth_received_bytes_total{api="oci"}')) - before;
      expect(read).toBeGreaterThan(0);
      expect(read).toBeLessThan(64 * MiB);
      console.log(
        `refused 100 GB PATCH: answered and closed in ${answer.ms} ms; the client got ` +
          `${(sent / MiB).toFixed(0)} MiB into the connection; counted as read: ${(read / MiB).toFixed(1)} MiB`,
      );
    });

    it('cuts an upload chunk and a manifest that arrive too slowly: 408, and the connection closed', async () => {
      const { authorization } = await newAccount('bodies/slow');
      const uploadId = await startUpload(t.url, 'bodies/slow', authorization);
      const chunk = openRequest(t.url, 'PATCH', `/v2/bodies/slow/blobs/uploads/${uploadId}`, {
        authorization,
        'content-length': '1000',
      });
      chunk.write(Buffer.alloc(10));
      drip(chunk, 300);
      const put = openRequest(t.url, 'PUT', '/v2/bodies/slow/manifests/v1', {
        authorization,
        'content-type': OCI_MANIFEST,
        'content-length': '1000',
      });
      put.write(Buffer.from('{"schemaVersion":2,'));
      drip(put, 300);
      const [chunkAnswer, putAnswer] = await Promise.all([chunk.answer, put.answer]);
      for (const answer of [chunkAnswer, putAnswer]) {
        expect(answer.status).toBe(408);
        expect(answer.text.toLowerCase()).toContain('connection: close');
        expect(answer.closedByServer).toBe(true);
        expect(answer.ms).toBeLessThan(8000);
        expect(errorOf(answer).message).toBe('The request body did not arrive within 2 s');
      }
      expect(errorOf(chunkAnswer).code).toBe('BLOB_UPLOAD_INVALID');
      expect(errorOf(putAnswer).code).toBe('MANIFEST_INVALID');
      // Nothing of the cut chunk was kept: the upload is still empty.
      const status = await v2Request(t.url, 'GET', `/v2/bodies/slow/blobs/uploads/${uploadId}`, {
        headers: { authorization },
      });
      expect(status.status).toBe(204);
      expect(status.headers.range).toBe('0-0');
      const chunkAfter = await v2Request(
        t.url,
        'PATCH',
        `/v2/bodies/slow/blobs/uploads/${uploadId}`,
        { headers: { authorization, 'content-range': '0-2' }, body: 'abc' },
      );
      expect(chunkAfter.status).toBe(202);
    });

    it("refuses an account's body past its cap with 429 TOOMANYREQUESTS, while another account is served", async () => {
      const b = await newAccount('bodies/b');
      const a = await newAccount('bodies/a');
      const dripping = [0, 1].map(() => {
        return startUpload(t.url, 'bodies/b', b.authorization).then((uploadId) => {
          const request = openRequest(t.url, 'PATCH', `/v2/bodies/b/blobs/uploads/${uploadId}`, {
            authorization: b.authorization,
            'content-length': '1000',
          });
          request.write(Buffer.alloc(1));
          drip(request, 100);
          return request;
        });
      });
      const held = await Promise.all(dripping);
      await new Promise((r) => setTimeout(r, 300));

      const bUpload = await startUpload(t.url, 'bodies/b', b.authorization);
      const third = await v2Request(t.url, 'PATCH', `/v2/bodies/b/blobs/uploads/${bUpload}`, {
        headers: { authorization: b.authorization },
        body: 'abc',
      });
      expect(third.status).toBe(429);
      expect(errorCode(third)).toBe('TOOMANYREQUESTS');
      expect(third.headers['retry-after']).toBe('1');
      expect((third.json as { errors: { message: string }[] }).errors[0].message).toBe(
        'Too many request bodies of this account in progress: this instance reads at most 2 /v2 request bodies of one account at once; retry once one has arrived',
      );
      // Another account's bodies and calls go on meanwhile.
      const aUpload = await startUpload(t.url, 'bodies/a', a.authorization);
      const started = Date.now();
      const other = await v2Request(t.url, 'PATCH', `/v2/bodies/a/blobs/uploads/${aUpload}`, {
        headers: { authorization: a.authorization },
        body: 'abc',
      });
      expect(other.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(1000);

      // Once the dripping bodies are cut, the account's bodies are taken again.
      const cut = await Promise.all(held.map((r) => r.answer));
      expect(cut.map((c) => c.status)).toEqual([408, 408]);
      const again = await v2Request(t.url, 'PATCH', `/v2/bodies/b/blobs/uploads/${bUpload}`, {
        headers: { authorization: b.authorization },
        body: 'abc',
      });
      expect(again.status).toBe(202);
    });

    it('refuses a manifest whose key was deactivated while it arrived, and stores nothing', async () => {
      const { authorization, accountId, accessKeyId } = await newAccount('bodies/withdrawn');
      const body = Buffer.from(manifest({ n: 'withdrawn' }));
      const put = openRequest(t.url, 'PUT', '/v2/bodies/withdrawn/manifests/v1', {
        authorization,
        connection: 'close',
        'content-type': OCI_MANIFEST,
        'content-length': String(body.length),
      });
      put.write(body.subarray(0, body.length - 5));
      // The headers, and so the key's first check, are in before the key is withdrawn.
      await new Promise((r) => setTimeout(r, 300));
      const deactivated = await admin(t.url, 'PATCH', `/admin/v1/access-keys/${accessKeyId}`, {
        status: 'Inactive',
      });
      expect(deactivated.status).toBe(200);
      put.write(body.subarray(body.length - 5));
      const answer = await put.answer;
      expect(answer.status).toBe(401);
      expect(errorOf(answer)).toEqual({
        code: 'UNAUTHORIZED',
        message: 'The access key this token was issued to is no longer active; log in again',
      });
      // Nothing was stored, as the account's other key sees.
      const other = await admin<{ accessKeyId: string; secretAccessKey: string }>(
        t.url,
        'POST',
        `/admin/v1/accounts/${accountId}/access-keys`,
        {},
      );
      const otherClient = ecrClient(t.url, { credentials: other.json });
      clients.push(otherClient);
      const found = await otherClient.send(
        new BatchGetImageCommand({
          repositoryName: 'bodies/withdrawn',
          imageIds: [{ imageTag: 'v1' }],
        }),
      );
      expect(found.images).toEqual([]);
    });

    it('answers DENIED, in the domain words, for an upload past the uploads-per-repository limit', async () => {
      const { authorization } = await newAccount('bodies/many');
      for (let i = 0; i < 3; i++) await startUpload(t.url, 'bodies/many', authorization);
      const past: V2Response[] = [
        await v2Request(t.url, 'POST', '/v2/bodies/many/blobs/uploads/', {
          headers: { authorization },
        }),
        await v2Request(
          t.url,
          'POST',
          `/v2/bodies/many/blobs/uploads/?digest=${sha256Digest(Buffer.from('x'))}`,
          { headers: { authorization }, body: 'x' },
        ),
      ];
      for (const res of past) {
        expect(res.status).toBe(403);
        expect(errorCode(res)).toBe('DENIED');
        expect((res.json as { errors: { message: string }[] }).errors[0].message).toMatch(
          /^The repository with name 'bodies\/many' in registry with id '\d{12}' already has 3 layer uploads in progress, the most a repository may have \(3\); complete one, or wait until abandoned ones expire$/,
        );
      }
    });
  });

  it('writes one request line per /v2 request: its operation, its OCI error, its caller', async () => {
    const db = await createTestDatabase();
    const berth = await startBerthProcess({ DATABASE_URL: db.url, LOG_LEVEL: 'info' });
    try {
      const { client, authorization, accountId, accessKeyId } = await account(
        berth.url,
        'bodies/logged',
      );
      client.destroy();
      const missing = `/v2/bodies/logged/blobs/${sha256Digest(Buffer.from('missing'))}`;
      expect(
        (await v2Request(berth.url, 'GET', missing, { headers: { authorization } })).status,
      ).toBe(404);
      expect((await v2Request(berth.url, 'GET', missing)).status).toBe(401);
      expect((await v2Request(berth.url, 'GET', '/v2/nothing/here')).status).toBe(401);
      await new Promise((r) => setTimeout(r, 200));
      const lines = berth
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'request' && String(l.path).startsWith('/v2/'));
      expect(lines.map((l) => [l.method, l.operation, l.status, l.errorName])).toEqual([
        ['POST', 'PushBlob', 201, undefined],
        ['GET', 'GetBlob', 404, 'BLOB_UNKNOWN'],
        ['GET', 'GetBlob', 401, 'UNAUTHORIZED'],
        ['GET', 'Unmatched', 401, 'UNAUTHORIZED'],
      ]);
      expect(lines[1]).toMatchObject({ accountId, accessKeyId });
      expect(lines[2].accountId).toBeUndefined();
      for (const line of lines) {
        expect(typeof line.requestId).toBe('string');
        expect(typeof line.durationMs).toBe('number');
      }
    } finally {
      await berth.stop();
      await db.drop();
    }
  }, 60_000);

  it('keeps 100 slow 4 MiB manifest PUTs within the body admission', async () => {
    const db = await createTestDatabase();
    const berth = await startBerthProcess({
      DATABASE_URL: db.url,
      BODY_TIMEOUT: '3s',
      BODY_QUEUE_TIMEOUT: '1s',
    });
    try {
      const { client, authorization } = await account(berth.url, 'bodies/memory');
      client.destroy();
      const body = Buffer.alloc(4 * MiB, 0x20);
      const baseline = rssBytes(berth.child.pid!);
      const rss = sampleRss(berth.child.pid!);
      const started = Date.now();
      const puts = Array.from({ length: 100 }, (_, i) => {
        const put = openRequest(
          berth.url,
          'PUT',
          `/v2/bodies/memory/manifests/t${i}`,
          { authorization, 'content-type': OCI_MANIFEST, 'content-length': String(body.length) },
          30_000,
        );
        put.write(body.subarray(0, body.length - 1000));
        return put.answer;
      });
      const answers = await Promise.all(puts);
      const elapsed = Date.now() - started;
      const peak = rss.stop();
      const byStatus = answers.reduce<Record<string, number>>((n, a) => {
        const key = `${a.status} ${errorOf(a).code ?? ''}`;
        n[key] = (n[key] ?? 0) + 1;
        return n;
      }, {});
      console.log(
        `100 slow 4 MiB manifest PUTs: RSS ${(baseline / MiB).toFixed(0)} MiB before, peak ` +
          `${(peak / MiB).toFixed(0)} MiB; answers: ${JSON.stringify(byStatus)}`,
      );
      // The key's two large bodies at a time were read, each cut at BODY_TIMEOUT (3 s), so no
      // more than two per 3 s of the run were read; the others were refused, unread, after
      // waiting for their turn (the account's cap, then the memory for bodies).
      for (const answer of answers) {
        expect([408, 429]).toContain(answer.status);
        expect(answer.closedByServer).toBe(true);
        expect(answer.text.toLowerCase()).toContain('connection: close');
      }
      const read = answers.filter((a) => a.status === 408).length;
      expect(read).toBeLessThanOrEqual(2 * Math.ceil(elapsed / 3000));
      expect(read).toBeLessThan(answers.length / 4);
      expect(peak - baseline).toBeLessThan(96 * MiB);
      expect(berth.child.exitCode).toBeNull();
    } finally {
      await berth.stop();
      await db.drop();
    }
  }, 120_000);
});

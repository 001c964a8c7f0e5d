import { CreateRepositoryCommand, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createAccount } from './support/accounts';
import {
  Credentials,
  ecrClient,
  rawCall,
  signHeaders,
  startTestApp,
  target,
  TEST_CREDENTIALS,
  TestApp,
} from './support/app';
import { BerthProcess, startBerthProcess } from './support/berth-process';
import { rssBytes } from './support/cluster';
import { createTestDatabase, TestDatabase } from './support/database';
import { pushImageBlobs, putImage } from './support/images';
import { initiate, layerBytes, MiB, uploadPart } from './support/layers';
import { v2Request } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';

/** UploadLayerPart's largest body (MAX_PART_BODY_BYTES): what the attack declares. */
const PART_BODY_LIMIT = 27_966_124;
const RSS_BOUND = 512 * MiB;

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

/** An UploadLayerPart body of exactly `length` bytes: a part of `blobBytes` and padding. */
function partBody(repositoryName: string, uploadId: string, blobBytes: number, length?: number) {
  const head = `{"repositoryName":"${repositoryName}","uploadId":"${uploadId}","partFirstByte":0,"partLastByte":${blobBytes - 1},"layerPartBlob":"`;
  const blob = layerBytes(blobBytes).toString('base64');
  const body = `${head}${blob}","pad":"`;
  const pad = length === undefined ? 0 : length - body.length - 2;
  return Buffer.from(`${body}${'a'.repeat(pad)}"}`);
}

interface RawAnswer {
  text: string;
  /** The server closed the connection (the client never did). */
  closedByServer: boolean;
  ms: number;
}

/**
 * Sends a request over its own connection: the headers, then `send` bytes of the body, and
 * waits for the answer and for the server to close the connection (or `waitMs`).
 */
function rawRequest(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  send: number,
  waitMs = 30_000,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let text = '';
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closedByServer, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    const lines = [`POST / HTTP/1.1`, `Host: ${hostname}:${port}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    lines.push(`Content-Length: ${body.length}`, '', '');
    socket.write(lines.join('\r\n'));
    socket.write(body.subarray(0, send));
  });
}

/** Files staged under the blob directory's `.tmp`, and their bytes. */
function staged(blobDir: string): { files: number; bytes: number } {
  const dir = path.join(blobDir, '.tmp');
  let files = 0;
  let bytes = 0;
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    try {
      bytes += fs.statSync(path.join(dir, name)).size;
      files++;
    } catch {
      // removed meanwhile
    }
  }
  return { files, bytes };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('request bodies within bounded memory and disk', () => {
  let db: TestDatabase;
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-limits-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('survives 40 connections of wrongly signed 27 MB parts held short of their end, serving honest callers meanwhile', async () => {
    const blobDir = tempDir();
    const berth: BerthProcess = await startBerthProcess({
      DATABASE_URL: db.url,
      BLOB_DIR: blobDir,
      DATA_DIR: tempDir(),
      BODY_TIMEOUT: '3s',
      BODY_QUEUE_TIMEOUT: '1s',
    });
    try {
      const ecr = ecrClient(berth.url);
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'limits/app' }));
      const uploadId = await initiate(ecr, 'limits/app');
      const other = await createAccount(berth.url);
      const otherEcr = ecrClient(berth.url, { credentials: other.credentials });
      await otherEcr.send(new CreateRepositoryCommand({ repositoryName: 'limits/other' }));
      const otherUpload = await initiate(otherEcr, 'limits/other');

      // A real key id with a wrong secret: the signature is only found wrong after the body.
      const body = partBody('limits/app', uploadId, 20 * MiB, PART_BODY_LIMIT);
      expect(body.length).toBe(PART_BODY_LIMIT);
      const wrong: Credentials = { ...TEST_CREDENTIALS, secretAccessKey: 'x'.repeat(40) };
      const headers = await signHeaders(
        berth.url,
        { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target('UploadLayerPart') },
        body,
        { credentials: wrong },
      );
      const honestPart = layerBytes(20 * MiB);

      const rss = sampleRss(berth.child.pid!);
      const attack = Array.from({ length: 40 }, () =>
        rawRequest(berth.url, headers, body, body.length - 1000),
      );
      await new Promise((r) => setTimeout(r, 1500));
      // Meanwhile: the attacked key's small calls, and another key's 20 MiB part, are served.
      const stagedDuring = staged(blobDir);
      const described = await ecr.send(new DescribeRepositoriesCommand({}));
      const honest = await uploadPart(otherEcr, 'limits/other', otherUpload, honestPart, 0);
      const answers = await Promise.all(attack);
      const peak = rss.stop();
      console.log(
        `40-connection attack: peak RSS ${(peak / MiB).toFixed(0)} MiB; staged during it: ` +
          `${stagedDuring.files} files, ${(stagedDuring.bytes / MiB).toFixed(1)} MiB; answers: ` +
          JSON.stringify(
            answers.reduce<Record<string, number>>((n, a) => {
              const name = /"__type":"(\w+)"/.exec(a.text)?.[1] ?? 'none';
              n[name] = (n[name] ?? 0) + 1;
              return n;
            }, {}),
          ),
      );

      expect(described.repositories?.map((r) => r.repositoryName)).toContain('limits/app');
      expect(honest).toBe(20 * MiB - 1);
      expect(peak).toBeLessThan(RSS_BOUND);
      // Two bodies of the key (its share) were read and staged; the rest waited, then were
      // refused; the two were cut at BODY_TIMEOUT. Each answer closed its connection.
      expect(stagedDuring.bytes).toBeLessThanOrEqual(2 * 20 * MiB);
      for (const answer of answers) {
        expect(answer.text).toMatch(/^HTTP\/1\.1 400 /);
        expect(answer.text).toMatch(/"__type":"(ThrottlingException|RequestTimeoutException)"/);
        expect(answer.text.toLowerCase()).toContain('connection: close');
        expect(answer.closedByServer).toBe(true);
      }
      expect(answers.filter((a) => a.text.includes('ThrottlingException')).length).toBe(38);
      // Whatever was staged before the signature could be checked is gone with its request.
      expect(staged(blobDir)).toEqual({ files: 0, bytes: 0 });
      expect(berth.child.exitCode).toBeNull();
      ecr.destroy();
      otherEcr.destroy();
    } finally {
      await berth.stop();
    }
  }, 120_000);

  it('keeps 16 concurrent honest 20 MiB parts under the same bound, with the default memory limits', async () => {
    const berth = await startBerthProcess({
      DATABASE_URL: db.url,
      BLOB_DIR: tempDir(),
      DATA_DIR: tempDir(),
      // Every part waits its turn, however busy the machine running the test: this is about
      // memory, not speed.
      BODY_QUEUE_TIMEOUT: '5m',
    });
    try {
      // Four callers, four parts each, every part the first of its own upload.
      const requests: { headers: Record<string, string>; body: Buffer }[] = [];
      for (let c = 0; c < 4; c++) {
        const caller = await createAccount(berth.url);
        const ecr = ecrClient(berth.url, { credentials: caller.credentials });
        await ecr.send(new CreateRepositoryCommand({ repositoryName: 'limits/honest' }));
        for (let p = 0; p < 4; p++) {
          const uploadId = await initiate(ecr, 'limits/honest');
          const body = partBody('limits/honest', uploadId, 20 * MiB);
          const headers = await signHeaders(
            berth.url,
            {
              'content-type': 'application/x-amz-json-1.1',
              'x-amz-target': target('UploadLayerPart'),
            },
            body,
            { credentials: caller.credentials },
          );
          requests.push({ headers, body });
        }
        ecr.destroy();
      }
      const rss = sampleRss(berth.child.pid!);
      const answers = await Promise.all(
        requests.map(async ({ headers, body }) => {
          const res = await fetch(berth.url, { method: 'POST', headers, body });
          return { status: res.status, json: (await res.json()) as Record<string, unknown> };
        }),
      );
      const peak = rss.stop();
      console.log(`16 concurrent 20 MiB parts: peak RSS ${(peak / MiB).toFixed(0)} MiB`);
      for (const answer of answers) {
        expect(answer).toEqual({
          status: 200,
          json: expect.objectContaining({ lastByteReceived: 20 * MiB - 1 }) as unknown,
        });
      }
      expect(peak).toBeLessThan(RSS_BOUND);
    } finally {
      await berth.stop();
    }
  }, 120_000);
});

describe('refused requests', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('closes the connection of a refused body instead of reading it, and counts only what was read', async () => {
    const received = 'berth_received_bytes_total{api="ecr"}';
    const before = await metric(t.url, received);
    const body = Buffer.alloc(1024 * 1024, 0x61);
    // Unsigned, claiming 9 PB: refused on its headers.
    const { hostname, port } = new URL(t.url);
    const huge = await new Promise<RawAnswer>((resolve) => {
      const socket = net.connect(Number(port), hostname);
      let text = '';
      const started = Date.now();
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ text, closedByServer: true, ms: Date.now() - started }));
      socket.write(
        [
          'POST / HTTP/1.1',
          `Host: ${hostname}:${port}`,
          'Content-Type: application/x-amz-json-1.1',
          `X-Amz-Target: ${target('ListImages')}`,
          'Content-Length: 9007199254740991',
          '',
          '',
        ].join('\r\n'),
      );
      socket.write(body);
    });
    expect(huge.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(huge.text).toContain('MissingAuthenticationTokenException');
    expect(huge.text.toLowerCase()).toContain('connection: close');
    expect(huge.closedByServer).toBe(true);

    // Signed, but over ListImages' 1 MiB limit: refused before reading, and closed too.
    const big = Buffer.alloc(8 * MiB, 0x20);
    const signed = await signHeaders(
      t.url,
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target('ListImages') },
      big,
    );
    const oversized = await rawRequest(t.url, signed, big, MiB);
    expect(oversized.text).toContain('InvalidParameterException');
    expect(oversized.text.toLowerCase()).toContain('connection: close');
    expect(oversized.closedByServer).toBe(true);

    // A few MiB at most were read off the wire, not 9 PB nor 8 MiB.
    const counted = (await metric(t.url, received)) - before;
    expect(counted).toBeLessThan(4 * MiB);

    // A refusal after a body read in full keeps the connection for the next request.
    const kept = await rawCall(t.url, target('NoSuchOperation'), '{}');
    expect(kept.json?.__type).toBe('UnknownOperationException');
    expect(kept.headers.get('connection')).not.toBe('close');
  });
});

describe('request rates with the default configuration', () => {
  let t: TestApp;

  beforeAll(async () => {
    // '' unsets the variable: what a deployment that never names it runs with.
    t = await startTestApp({ ECR_RATE_LIMITS: '' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it("throttles no burst of manifest pushes, though it is six times ECR's PutImage quota", async () => {
    const ecr = t.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'burst' }));
    const image = await pushImageBlobs(ecr, 'burst');
    const auth = basicAuth(await registryLogin(ecr));
    // ECR allows 10 PutImage a second, and a bucket holds one second: 60 at once, over both
    // doors, as a CI job pushing a multi-platform image and its signatures does.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => [
        putImage(ecr, 'burst', image.manifest, `ecr-${i}`).then(
          () => 'pushed',
          (err: Error) => err.name,
        ),
        v2Request(t.url, 'PUT', `/v2/burst/manifests/v2-${i}`, {
          headers: {
            authorization: auth,
            'content-type': 'application/vnd.docker.distribution.manifest.v2+json',
          },
          body: image.manifest,
        }).then((res) => (res.status === 201 ? 'pushed' : String(res.status))),
      ]).flat(),
    );
    expect(answers).toEqual(Array(60).fill('pushed'));
    expect(t.config.rateLimits).toEqual({});
  });
});

describe('ECR request-rate quotas, per instance', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ECR_RATE_LIMITS: 'DescribeRepositories=2,PutImage=off' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers ThrottlingException once an account spends its quota, and serves it again a second later', async () => {
    const ecr = t.client();
    await ecr.send(new DescribeRepositoriesCommand({}));
    await ecr.send(new DescribeRepositoriesCommand({}));
    const err = await ecr.send(new DescribeRepositoriesCommand({})).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
    expect((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(
      400,
    );
    // Another account's quota is its own.
    const other = await createAccount(t.url);
    const otherEcr = t.client({ credentials: other.credentials });
    await expect(otherEcr.send(new DescribeRepositoriesCommand({}))).resolves.toBeDefined();
    await new Promise((r) => setTimeout(r, 1100));
    await expect(ecr.send(new DescribeRepositoriesCommand({}))).resolves.toBeDefined();
  });
});

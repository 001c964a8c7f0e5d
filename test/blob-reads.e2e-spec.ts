import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHUNK_BYTES } from '../src/storage/postgres-blob.store';
import { ecrClient, freePort } from './support/app';
import { BerthProcess, startBerthProcess } from './support/berth-process';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiB, pushLayer, sha256Digest } from './support/layers';
import { v2Request } from './support/oci-http';
import { withClient } from '../tooling/pg';
import { basicAuth, registryLogin } from './support/oci-registry';
import { driverEnv } from './support/swift';

/**
 * Blob reads from a real server process (its memory, connection pool and descriptors are its
 * own), with each driver: single ranges anywhere in the parts (and the postgres driver's rows), a
 * large blob read in bounded memory, and clients that go away mid-stream leaving no connection
 * or open file behind.
 */
const POOL_SIZE = 5;

const DRIVERS = ['postgres', 'filesystem', 's3'] as const;

describe.each(DRIVERS)('blob reads with the %s driver', (driver) => {
  const repo = `reads/${driver}`;
  let db: TestDatabase;
  let berth: BerthProcess;
  let client: ECRClient;
  let auth: Record<string, string>;
  let dataDir: string;

  // Parts that do not end on a row boundary: part 0 is 5 full rows and 123 bytes, part 1 is two
  // rows and a half.
  const partSizes = [5 * CHUNK_BYTES + 123, 2 * CHUNK_BYTES + CHUNK_BYTES / 2];
  const small = randomBytes(partSizes[0] + partSizes[1]);
  let smallDigest: string;
  const largeSize = 256 * MiB;
  let large: Buffer | undefined = randomBytes(largeSize);
  const largeDigest = sha256Digest(large);

  const blobPath = (digest: string): string => `/v2/${repo}/blobs/${digest}`;

  /** GET of the blob, the body hashed as it arrives (never held), with the server's peak RSS. */
  const streamedGet = (
    digest: string,
    options: { abortAfter?: number; sampleRss?: boolean } = {},
  ): Promise<{ status: number; bytes: number; digest: string; peakRss: number }> =>
    new Promise((resolve, reject) => {
      let peakRss = 0;
      const sample = (): void => {
        peakRss = Math.max(peakRss, rssOf(berth.child.pid!));
      };
      const timer = options.sampleRss ? setInterval(sample, 10) : undefined;
      const req = http.get(new URL(blobPath(digest), berth.url), { headers: auth }, (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          bytes += chunk.length;
          if (options.abortAfter !== undefined && bytes >= options.abortAfter) {
            clearInterval(timer);
            req.destroy();
            resolve({ status: res.statusCode ?? 0, bytes, digest: '', peakRss });
          }
        });
        res.on('end', () => {
          clearInterval(timer);
          sample();
          resolve({
            status: res.statusCode ?? 0,
            bytes,
            digest: `sha256:${hash.digest('hex')}`,
            peakRss,
          });
        });
        res.on('error', (err) => (options.abortAfter === undefined ? reject(err) : undefined));
      });
      req.on('error', (err) => (options.abortAfter === undefined ? reject(err) : undefined));
    });

  /** The files under the data directory the server has open. */
  const openBlobFiles = (): number =>
    fs.readdirSync(`/proc/${berth.child.pid}/fd`).filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/${berth.child.pid}/fd/${fd}`).startsWith(dataDir);
      } catch {
        return false;
      }
    }).length;

  /** The server's connections that PostgreSQL sees busy (a COPY still sending, say). */
  const busyConnections = (): Promise<number> =>
    withClient(db.url, async (c) => {
      const { rows } = await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'berth' AND state <> 'idle'`,
      );
      return Number(rows[0].n);
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-blob-reads-'));
    const port = String(await freePort());
    berth = await startBerthProcess({
      DATABASE_URL: db.url,
      ...(await driverEnv(driver)),
      DATA_DIR: dataDir,
      PORT: port,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      // Small, so that a connection kept by a cut read would soon leave none for the next.
      DATABASE_POOL_SIZE: String(POOL_SIZE),
    });
    client = ecrClient(berth.url);
    await client.send(new CreateRepositoryCommand({ repositoryName: repo }));
    auth = { authorization: basicAuth(await registryLogin(client)) };
    smallDigest = await pushLayer(client, repo, small, partSizes);
    // The /v2 door stores a streamed blob in 8 MiB parts: 32 parts of 8 rows.
    const pushed = await v2Request(
      berth.url,
      'POST',
      `/v2/${repo}/blobs/uploads/?digest=${largeDigest}`,
      {
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: large,
      },
    );
    expect(pushed.status).toBe(201);
    large = undefined;
  }, 180_000);

  afterAll(async () => {
    client?.destroy();
    await berth?.stop();
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const end = (): number => small.length - 1;
  const ranges: [string, number, () => number][] = [
    ['inside one row', 100, () => 199],
    ['the first byte', 0, () => 0],
    ['from inside a row to inside the next', CHUNK_BYTES - 10, () => CHUNK_BYTES + 9],
    ['exactly one row', 2 * CHUNK_BYTES, () => 3 * CHUNK_BYTES - 1],
    ['inside the short last row of a part', 5 * CHUNK_BYTES + 1, () => 5 * CHUNK_BYTES + 100],
    ['across the part boundary', partSizes[0] - 5, () => partSizes[0] + 5],
    ['from inside part 0 to inside the last row', 3 * CHUNK_BYTES + 7, () => end() - 3],
    ['the last byte', small.length - 1, end],
    ['the whole blob', 0, end],
  ];

  it.each(ranges)('serves %s with 206 and exactly those bytes', async (_name, first, last) => {
    const res = await v2Request(berth.url, 'GET', blobPath(smallDigest), {
      headers: { ...auth, range: `bytes=${first}-${last()}` },
    });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${first}-${last()}/${small.length}`);
    expect(res.body.equals(small.subarray(first, last() + 1))).toBe(true);
  });

  it('serves random ranges of the blob exactly', async () => {
    for (let i = 0; i < 20; i++) {
      const first = Math.floor(Math.random() * small.length);
      const last = first + Math.floor(Math.random() * Math.min(3 * CHUNK_BYTES, end() - first));
      const res = await v2Request(berth.url, 'GET', blobPath(smallDigest), {
        headers: { ...auth, range: `bytes=${first}-${last}` },
      });
      expect(res.status).toBe(206);
      expect(res.body.equals(small.subarray(first, last + 1))).toBe(true);
    }
  });

  it('streams a 256 MiB blob with the server RSS growing by far less than the blob', async () => {
    const before = rssOf(berth.child.pid!);
    const got = await streamedGet(largeDigest, { sampleRss: true });
    expect(got.status).toBe(200);
    expect(got.bytes).toBe(largeSize);
    expect(got.digest).toBe(largeDigest);
    // Two 8 MiB batches in flight, and what the socket and the allocator keep.
    expect(got.peakRss - before).toBeLessThan(64 * MiB);
  }, 120_000);

  it('gives every connection and file back when clients go away mid-stream', async () => {
    // More cut reads than the pool has connections, some at once.
    const cuts = await Promise.all(
      Array.from({ length: 2 * POOL_SIZE }, (_, i) =>
        streamedGet(largeDigest, { abortAfter: (1 + ((i * 7) % 40)) * MiB }),
      ),
    );
    expect(cuts.every((c) => c.status === 200)).toBe(true);
    const deadline = Date.now() + 10_000;
    const held = async (): Promise<number> => openBlobFiles() + (await busyConnections());
    while ((await held()) > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(openBlobFiles()).toBe(0);
    expect(await busyConnections()).toBe(0);
    // A connection still checked out would leave the pool short: these would wait and fail.
    const reads = await Promise.all(
      Array.from({ length: POOL_SIZE }, () =>
        v2Request(berth.url, 'GET', blobPath(smallDigest), {
          headers: { ...auth, range: `bytes=${CHUNK_BYTES - 1}-${3 * CHUNK_BYTES}` },
        }),
      ),
    );
    for (const res of reads) {
      expect(res.status).toBe(206);
      expect(res.body.equals(small.subarray(CHUNK_BYTES - 1, 3 * CHUNK_BYTES + 1))).toBe(true);
    }
    const whole = await streamedGet(largeDigest);
    expect(whole.digest).toBe(largeDigest);
  }, 120_000);
});

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return kib ? Number(kib[1]) * 1024 : 0;
}

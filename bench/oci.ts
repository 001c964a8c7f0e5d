/**
 * The /v2 scenarios: Berth's OCI Distribution door, for each storage driver, against CNCF
 * distribution 2.8 (bench/distribution.ts) measured in the same run, on the same bytes, with the
 * same clients:
 *
 *  1. push and pull of one multi-layer image with `skopeo copy` (`oci:` layout on local disk to
 *     `docker://`, then `docker://` to a fresh `dir:`), digests preserved so that nothing is
 *     recompressed;
 *  2. one large blob, `POST /v2/<name>/blobs/uploads/` then one `PUT <location>?digest=` with the
 *     whole blob as its body (monolithic), and its `GET`, by a node:http client;
 *  3. Berth only: `GetDownloadUrlForLayer` and a `GET` of its URL by the same client;
 *  4. the server's peak RSS while 8 such blob uploads run at once.
 *
 * Every server runs for the whole phase (a fresh database and DATA_DIR for each Berth driver), and
 * each scenario runs on every server in turn before the next, so that a change in the machine's
 * load spreads over all of them rather than falling on one.
 */
import {
  CreateRepositoryCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
} from '@aws-sdk/client-ecr';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { BlobStoreDriver } from '../src/config/app-config';
import { BerthServer, createDatabase, dropDatabase, newSecrets, startBerth } from './berth-server';
import { DistributionServer, startDistribution } from './distribution';
import { ecrClient } from './layers';
import { freeBytes } from './machine';
import {
  blobSpec,
  BlobSpec,
  CHUNK,
  chunkCount,
  fillChunk,
  LayoutImage,
  OCI_CONFIG,
  OCI_LAYER_TAR,
  OCI_MANIFEST,
  writeLayoutImage,
} from './oci-image';
import { sha256Digest } from '../tooling/oci-layout';
import type { BenchOptions } from './options';
import { cpuWindow, CpuWindow, RssSampler, stopChild, track } from './processes';
import type { Attempt } from './report-table';
import { formatSize, GiB, mbPerSecond, MiB } from './stats';

export const SKOPEO_BINARY = '/usr/bin/skopeo';
const REPOSITORY = 'bench/oci';
const TAG = 'v1';
const SKOPEO_TIMEOUT_MS = 30 * 60_000;

export type OciTargetName = BlobStoreDriver | 'distribution';

export interface OciPlan {
  /** Layers of the skopeo image (uncompressed tars of one random file each). */
  layerSizes: number[];
  /** The blob of the single PUT / GET / download URL scenarios. */
  blobSize: number;
  /** The concurrent blob uploads of the RSS scenario. */
  concurrentBlobs: number;
  concurrentBlobSize: number;
}

export const FULL_OCI_PLAN: OciPlan = {
  layerSizes: [MiB, 64 * MiB, 512 * MiB],
  blobSize: GiB,
  concurrentBlobs: 8,
  concurrentBlobSize: GiB,
};

export const QUICK_OCI_PLAN: OciPlan = {
  layerSizes: [MiB, 64 * MiB],
  blobSize: 256 * MiB,
  concurrentBlobs: 8,
  concurrentBlobSize: 256 * MiB,
};

/** One timed transfer. `bytes` are the bytes of layer or blob data moved. */
export interface OciTransfer {
  bytes: number;
  seconds: number;
  mbps: number;
  /** clientCores includes the skopeo process where skopeo was the client. */
  cpu: CpuWindow;
  peakServerRssMiB: number;
  peakClientRssMiB: number;
  /** Download URL scenario: the GetDownloadUrlForLayer call alone. */
  urlMs?: number;
  /** skopeo's own CPU seconds (user + system), where it was the client. */
  skopeoCpuSeconds?: number;
  discarded?: Attempt[];
}

export type OciScenario = 'push' | 'pull' | 'blobPut' | 'blobGet' | 'downloadUrl' | 'concurrent';

export interface OciTargetResult {
  target: OciTargetName;
  startMs: number;
  push?: OciTransfer;
  pull?: OciTransfer;
  blobPut?: OciTransfer;
  blobGet?: OciTransfer;
  downloadUrl?: OciTransfer;
  /** `concurrentBlobs` uploads of `concurrentBlobSize` at once (RSS scenario). */
  concurrent?: OciTransfer & { blobs: number; blobSize: number };
  errors: string[];
}

export interface OciResults {
  plan: OciPlan;
  imageBytes: number;
  skopeo: string;
  distribution: string;
  targets: OciTargetResult[];
  notes: string[];
  error?: string;
}

export interface OciContext {
  options: BenchOptions;
  sampler: RssSampler;
  tmpRoot: string;
  log: (line: string) => void;
  settle: (pid: number | null) => Promise<void>;
  repeatIfNoisy: <T extends { cpu: CpuWindow; discarded?: Attempt[] }>(
    label: string,
    run: () => Promise<T>,
    value: (r: T) => number,
  ) => Promise<T>;
  /** Registers an undo step for an interrupted run; the result runs it now instead. */
  addCleanup: (label: string, fn: () => Promise<void>) => () => Promise<void>;
}

interface Target {
  name: OciTargetName;
  pid: number;
  url: string;
  host: string;
  /** `user:password` for skopeo, and the HTTP Authorization header; none for distribution. */
  skopeoCreds?: string;
  authorization?: string;
  ecr?: ECRClient;
  result: OciTargetResult;
}

// ---------------------------------------------------------------------------------------------
// clients: node:http for blobs, skopeo for images

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request; `body` writes the request body (the request is ended after it). */
function request(
  method: string,
  url: string,
  headers: http.OutgoingHttpHeaders,
  body?: (req: http.ClientRequest, failed: Promise<never>) => Promise<void>,
): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request(url, { method, headers, agent });
    const failed = new Promise<never>((_, rejectFailed) => {
      req.once('error', rejectFailed);
      req.once('response', (res) => {
        // A server that answers before the body is sent refuses it: stop sending.
        if (res.statusCode !== undefined && res.statusCode >= 300 && !req.writableFinished) {
          rejectFailed(new Error(`${method} ${url} answered ${res.statusCode} before the body`));
        }
      });
    });
    failed.catch(() => undefined);
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.once('error', reject);
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    if (!body) {
      req.end();
      return;
    }
    body(req, failed).then(
      () => req.end(),
      (err: unknown) => {
        req.destroy();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Writes blob `blob` into `req`, a MiB at a time, from a few reused buffers: a buffer is filled
 * again only once the socket has taken it (its write callback), so at most SLOTS MiB are in
 * flight and no fresh memory is touched per chunk.
 */
async function writeBlob(
  req: http.ClientRequest,
  blob: BlobSpec,
  failed: Promise<never>,
): Promise<void> {
  const SLOTS = 4;
  const buffers = Array.from({ length: SLOTS }, () => Buffer.allocUnsafe(CHUNK));
  const written: (Promise<void> | undefined)[] = [];
  for (let i = 0; i < chunkCount(blob.size); i++) {
    const slot = i % SLOTS;
    const previous = written[slot];
    if (previous) await Promise.race([previous, failed]);
    const chunk = fillChunk(buffers[slot], blob.id, blob.size, i);
    written[slot] = new Promise<void>((resolve, reject) =>
      req.write(chunk, (err) => (err ? reject(err) : resolve())),
    );
  }
  await Promise.race([Promise.all(written.filter((w) => w !== undefined)), failed]);
}

function expectStatus(what: string, reply: Reply, wanted: number): void {
  if (reply.status !== wanted) {
    throw new Error(
      `${what} answered ${reply.status} (wanted ${wanted}): ${reply.body.slice(0, 500)}`,
    );
  }
}

/** Monolithic upload: `POST …/blobs/uploads/`, then `PUT <Location>?digest=` with the whole blob. */
async function putBlob(target: Target, blob: BlobSpec | Buffer): Promise<void> {
  const auth: http.OutgoingHttpHeaders = target.authorization
    ? { authorization: target.authorization }
    : {};
  const started = await request('POST', `${target.url}/v2/${REPOSITORY}/blobs/uploads/`, {
    ...auth,
    'content-length': 0,
  });
  expectStatus('POST /blobs/uploads/', started, 202);
  const location = started.headers.location;
  if (!location) throw new Error('POST /blobs/uploads/ answered no Location');
  const url = new URL(location, target.url);
  const small = Buffer.isBuffer(blob);
  url.searchParams.set('digest', small ? sha256Digest(blob) : blob.digest);
  const done = await request(
    'PUT',
    url.toString(),
    {
      ...auth,
      'content-type': 'application/octet-stream',
      'content-length': small ? blob.length : blob.size,
    },
    async (req, failed) => {
      if (small) req.write(blob);
      else await writeBlob(req, blob, failed);
    },
  );
  expectStatus('PUT ?digest=', done, 201);
}

/**
 * Tags an image whose one layer is `blob` (with a small config): `GetDownloadUrlForLayer`, as
 * ECR's, serves only layers an image of the repository references.
 */
async function putImageOf(target: Target, blob: BlobSpec, tag: string): Promise<void> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  await putBlob(target, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: OCI_LAYER_TAR, digest: blob.digest, size: blob.size }],
    }),
  );
  const reply = await request(
    'PUT',
    `${target.url}/v2/${REPOSITORY}/manifests/${tag}`,
    {
      ...authHeaders(target),
      'content-type': OCI_MANIFEST,
      'content-length': manifest.length,
    },
    async (req) => {
      req.write(manifest);
    },
  );
  expectStatus(`PUT /manifests/${tag}`, reply, 201);
}

/** GET of `url`, read whole and hashed by the client; checks size and digest. */
function getAndHash(
  url: string,
  headers: http.OutgoingHttpHeaders,
  blob: BlobSpec,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = http.get(url, { headers, agent }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${new URL(url).pathname} answered ${res.statusCode}`));
        return;
      }
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        hash.update(d);
      });
      res.once('error', reject);
      res.once('end', () => {
        const digest = `sha256:${hash.digest('hex')}`;
        if (bytes !== blob.size || digest !== blob.digest) {
          reject(new Error(`GET answered ${bytes} bytes with digest ${digest}, not the blob`));
        } else {
          resolve(bytes);
        }
      });
    });
    req.once('error', reject);
  });
}

function blobUrl(target: Target, blob: BlobSpec): string {
  return `${target.url}/v2/${REPOSITORY}/blobs/${blob.digest}`;
}

/**
 * Runs skopeo under `sh`, whose `times` reports the CPU its child used (skopeo is a separate
 * process: the benchmark's own CPU figure does not include it).
 */
function skopeo(args: string[], env: NodeJS.ProcessEnv): Promise<{ cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn('/bin/sh', ['-c', '"$0" "$@"; s=$?; times >&2; exit $s', SKOPEO_BINARY, ...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
    const timer = setTimeout(() => void stopChild(child), SKOPEO_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const lines = stderr.trimEnd().split('\n');
      // `times`: the shell's own user and system time, then its children's.
      const children = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines[lines.length - 1] ?? '');
      if (code !== 0) {
        reject(
          new Error(
            `skopeo ${args.join(' ')} exited with ${code}:\n${lines.slice(0, -2).join('\n')}\n${stdout}`,
          ),
        );
        return;
      }
      const cpuSeconds = children
        ? Number(children[1]) * 60 +
          Number(children[2]) +
          Number(children[3]) * 60 +
          Number(children[4])
        : NaN;
      resolve({ cpuSeconds });
    });
  });
}

async function skopeoVersion(): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(SKOPEO_BINARY, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', () => resolve('unknown'));
    child.once('close', () => resolve(out.trim() || 'unknown'));
  });
}

// ---------------------------------------------------------------------------------------------
// measurement

interface Measured {
  bytes: number;
  /** CPU of a client process other than this one (skopeo). */
  childCpuSeconds?: number;
  urlMs?: number;
}

async function measure(
  ctx: OciContext,
  target: Target,
  run: () => Promise<Measured>,
): Promise<OciTransfer> {
  ctx.sampler.watch(target.pid);
  await ctx.settle(target.pid);
  await ctx.sampler.reset();
  const window = await cpuWindow(target.pid);
  const started = performance.now();
  const measured = await run();
  const seconds = (performance.now() - started) / 1000;
  const cpu = await window();
  const peaks = await ctx.sampler.read();
  if (measured.childCpuSeconds !== undefined && Number.isFinite(measured.childCpuSeconds)) {
    const childCores = measured.childCpuSeconds / seconds;
    cpu.clientCores += childCores;
    cpu.otherCores = Math.max(0, cpu.otherCores - childCores);
  }
  return {
    bytes: measured.bytes,
    seconds,
    mbps: mbPerSecond(measured.bytes, seconds),
    cpu,
    peakServerRssMiB: peaks.watchedPeakMiB,
    peakClientRssMiB: peaks.selfPeakMiB,
    ...(measured.urlMs !== undefined ? { urlMs: measured.urlMs } : {}),
    ...(measured.childCpuSeconds !== undefined
      ? { skopeoCpuSeconds: measured.childCpuSeconds }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// the phase

interface Running {
  targets: Target[];
  stops: (() => Promise<void>)[];
}

/** Starts the servers into `running` (whose `stops` undo what was done, even on a failure). */
async function startTargets(
  ctx: OciContext,
  drivers: BlobStoreDriver[],
  running: Running,
  distributionVersion: (v: string) => void,
): Promise<void> {
  for (const driver of drivers) {
    const short = driver === 'filesystem' ? 'fs' : 'pg';
    const dbName = `berth_bench_${process.pid}_oci_${short}`;
    const dataDir = path.join(ctx.tmpRoot, `oci-${driver}-data`);
    const url = await createDatabase(ctx.options.adminUrl, dbName);
    running.stops.push(
      ctx.addCleanup(`drop database ${dbName}`, () => dropDatabase(ctx.options.adminUrl, dbName)),
    );
    running.stops.push(
      ctx.addCleanup(`remove ${dataDir}`, () =>
        fs.promises.rm(dataDir, { recursive: true, force: true }),
      ),
    );
    const server: BerthServer = await startBerth({
      driver,
      secrets: newSecrets(),
      databaseUrl: url,
      dataDir,
      logPath: path.join(ctx.tmpRoot, `oci-${driver}-server.log`),
    });
    running.stops.push(
      ctx.addCleanup(`stop Berth (${driver}, /v2)`, async () => {
        const tail = server.logTail(10).trim();
        if (tail) ctx.log(`/v2 ${driver}: server log (warn and above):\n${tail}`);
        await server.stop();
      }),
    );
    const ecr = ecrClient(server.url);
    running.stops.push(
      ctx.addCleanup(`close the ECR client (${driver})`, async () => ecr.destroy()),
    );
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
    const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]
      ?.authorizationToken;
    if (!token) throw new Error('GetAuthorizationToken answered no token');
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    if (!decoded.startsWith('AWS:')) throw new Error('GetAuthorizationToken: not an AWS: token');
    ctx.log(`/v2 ${driver}: Berth ready in ${server.startMs.toFixed(0)} ms (pid ${server.pid})`);
    running.targets.push({
      name: driver,
      pid: server.pid,
      url: server.url,
      host: new URL(server.url).host,
      skopeoCreds: decoded,
      authorization: `Basic ${token}`,
      ecr,
      result: { target: driver, startMs: server.startMs, errors: [] },
    });
  }
  const dir = path.join(ctx.tmpRoot, 'distribution');
  fs.mkdirSync(dir, { recursive: true });
  running.stops.push(
    ctx.addCleanup(`remove ${dir}`, () => fs.promises.rm(dir, { recursive: true, force: true })),
  );
  const peer: DistributionServer = await startDistribution(dir);
  running.stops.push(
    ctx.addCleanup('stop distribution', async () => {
      // It logs every 404 (a HEAD before each blob push) at level error: those say nothing.
      const tail = peer
        .logTail(200)
        .split('\n')
        .filter((l) => l.trim() && !l.includes('msg="response completed with error"'))
        .slice(-10)
        .join('\n');
      if (tail) ctx.log(`/v2 distribution: log:\n${tail}`);
      await peer.stop();
    }),
  );
  distributionVersion(peer.version);
  ctx.log(
    `/v2 distribution ${peer.version}: ready in ${peer.startMs.toFixed(0)} ms (pid ${peer.pid})`,
  );
  running.targets.push({
    name: 'distribution',
    pid: peer.pid,
    url: peer.url,
    host: new URL(peer.url).host,
    result: { target: 'distribution', startMs: peer.startMs, errors: [] },
  });
}

/** What the phase needs on the temp disk: every target stores everything once. */
function diskNeed(plan: OciPlan, imageBytes: number, targets: number): number {
  const perTarget = imageBytes + plan.blobSize + plan.concurrentBlobs * plan.concurrentBlobSize;
  // PostgreSQL's WAL and the pulled copy (removed after each pull) come on top.
  return targets * perTarget * 1.2 + 2 * imageBytes;
}

export async function runOciScenarios(ctx: OciContext): Promise<OciResults> {
  const { options, log } = ctx;
  const plan: OciPlan = { ...(options.quick ? QUICK_OCI_PLAN : FULL_OCI_PLAN) };
  const results: OciResults = {
    plan,
    imageBytes: 0,
    skopeo: await skopeoVersion(),
    distribution: 'unknown',
    targets: [],
    notes: [],
  };
  const workDir = path.join(ctx.tmpRoot, 'oci');
  fs.mkdirSync(workDir, { recursive: true });
  const removeWork = ctx.addCleanup(`remove ${workDir}`, () =>
    fs.promises.rm(workDir, { recursive: true, force: true }),
  );
  const running: Running = { targets: [], stops: [] };
  try {
    if (!fs.existsSync(SKOPEO_BINARY)) {
      throw new Error(
        `${SKOPEO_BINARY} is missing: install Debian's skopeo ` +
          '(`bash scripts/ensure-test-tools.sh` as root), or run with --scenarios=ecr',
      );
    }
    log(
      `/v2: writing the image (${plan.layerSizes.map(formatSize).join(' + ')} layers) and ` +
        `hashing the blobs (${formatSize(plan.blobSize)}, ${plan.concurrentBlobs} × ` +
        `${formatSize(plan.concurrentBlobSize)})`,
    );
    const image: LayoutImage = writeLayoutImage(path.join(workDir, 'image'), plan.layerSizes, TAG);
    results.imageBytes = image.bytes;
    const free = freeBytes(ctx.tmpRoot);
    const targetsCount = options.drivers.length + 1;
    while (plan.concurrentBlobs > 1 && free < diskNeed(plan, image.bytes, targetsCount)) {
      plan.concurrentBlobs = Math.floor(plan.concurrentBlobs / 2);
    }
    if (plan.concurrentBlobs < (options.quick ? QUICK_OCI_PLAN : FULL_OCI_PLAN).concurrentBlobs) {
      results.notes.push(
        `Only ${(free / 1e9).toFixed(0)} GB free on ${ctx.tmpRoot}: the concurrent /v2 uploads ` +
          `ran ${plan.concurrentBlobs} at once.`,
      );
    }
    const single = blobSpec(1, plan.blobSize);
    const concurrent = Array.from({ length: plan.concurrentBlobs }, (_, i) =>
      blobSpec(1000 + i, plan.concurrentBlobSize),
    );
    const warmBlob = blobSpec(9999, 16 * MiB);

    await startTargets(ctx, options.drivers, running, (v) => (results.distribution = v));
    results.targets = running.targets.map((t) => t.result);
    for (const t of running.targets) {
      // Warm-up, not measured: JIT, connection pool, first buffers of each server.
      await putBlob(t, warmBlob);
      await getAndHash(blobUrl(t, warmBlob), authHeaders(t), warmBlob);
    }

    const skopeoHome = path.join(workDir, 'skopeo-home');
    fs.mkdirSync(path.join(skopeoHome, 'tmp'), { recursive: true });
    fs.writeFileSync(path.join(skopeoHome, 'auth.json'), '{"auths":{}}');
    // No auth file, registries.conf entry or credential helper of the machine takes part.
    const skopeoEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: skopeoHome,
      TMPDIR: path.join(skopeoHome, 'tmp'),
      REGISTRY_AUTH_FILE: path.join(skopeoHome, 'auth.json'),
    };
    const imageRef = (t: Target): string => `docker://${t.host}/${REPOSITORY}:${TAG}`;
    let pulls = 0;

    const scenarios: {
      key: OciScenario;
      label: string;
      berthOnly?: boolean;
      /** A repeat would not be the same work (skopeo would find the blobs there). */
      once?: boolean;
      /** Done before the measurement, not measured. */
      prepare?: (t: Target) => Promise<void>;
      run: (t: Target) => Promise<Measured>;
    }[] = [
      {
        key: 'push',
        label: `skopeo push of ${plan.layerSizes.map(formatSize).join(' + ')}`,
        once: true,
        run: async (t) => {
          const { cpuSeconds } = await skopeo(
            [
              '--insecure-policy',
              'copy',
              '--quiet',
              '--dest-tls-verify=false',
              ...(t.skopeoCreds ? ['--dest-creds', t.skopeoCreds] : ['--dest-no-creds']),
              '--preserve-digests',
              image.ref,
              imageRef(t),
            ],
            skopeoEnv,
          );
          return { bytes: image.bytes, childCpuSeconds: cpuSeconds };
        },
      },
      {
        key: 'pull',
        label: 'skopeo pull to a fresh dir',
        run: async (t) => {
          const dest = path.join(workDir, `pull-${pulls++}`);
          try {
            const { cpuSeconds } = await skopeo(
              [
                '--insecure-policy',
                'copy',
                '--quiet',
                '--src-tls-verify=false',
                ...(t.skopeoCreds ? ['--src-creds', t.skopeoCreds] : ['--src-no-creds']),
                '--preserve-digests',
                imageRef(t),
                `dir:${dest}`,
              ],
              skopeoEnv,
            );
            for (const layer of image.manifest.layers) {
              const file = path.join(dest, layer.digest.slice('sha256:'.length));
              const size = fs.existsSync(file) ? fs.statSync(file).size : -1;
              if (size !== layer.size) {
                throw new Error(
                  `the pulled layer ${layer.digest} has ${size} bytes, not ${layer.size}`,
                );
              }
            }
            return { bytes: image.bytes, childCpuSeconds: cpuSeconds };
          } finally {
            fs.rmSync(dest, { recursive: true, force: true });
          }
        },
      },
      {
        key: 'blobPut',
        label: `blob PUT of ${formatSize(plan.blobSize)} (POST + one PUT)`,
        run: async (t) => {
          await putBlob(t, single);
          return { bytes: single.size };
        },
      },
      {
        key: 'blobGet',
        label: `blob GET of ${formatSize(plan.blobSize)}`,
        run: async (t) => ({ bytes: await getAndHash(blobUrl(t, single), authHeaders(t), single) }),
      },
      {
        key: 'downloadUrl',
        label: `GetDownloadUrlForLayer + GET of ${formatSize(plan.blobSize)}`,
        berthOnly: true,
        prepare: (t) => putImageOf(t, single, 'blob'),
        run: async (t) => {
          const asked = performance.now();
          const out = await t.ecr!.send(
            new GetDownloadUrlForLayerCommand({
              repositoryName: REPOSITORY,
              layerDigest: single.digest,
            }),
          );
          const urlMs = performance.now() - asked;
          if (!out.downloadUrl) throw new Error('GetDownloadUrlForLayer answered no URL');
          return { bytes: await getAndHash(out.downloadUrl, {}, single), urlMs };
        },
      },
      {
        key: 'concurrent',
        label: `${plan.concurrentBlobs} concurrent blob PUTs of ${formatSize(plan.concurrentBlobSize)}`,
        once: true,
        run: async (t) => {
          await Promise.all(concurrent.map((blob) => putBlob(t, blob)));
          return { bytes: concurrent.length * plan.concurrentBlobSize };
        },
      },
    ];

    for (const scenario of scenarios) {
      for (const t of running.targets) {
        if (scenario.berthOnly && t.name === 'distribution') continue;
        const label = `/v2 ${t.name}: ${scenario.label}`;
        log(label);
        try {
          await scenario.prepare?.(t);
          const run = (): Promise<OciTransfer> => measure(ctx, t, () => scenario.run(t));
          const transfer = scenario.once
            ? await run()
            : await ctx.repeatIfNoisy(label, run, (r) => r.mbps);
          if (scenario.key === 'concurrent') {
            t.result.concurrent = {
              ...transfer,
              blobs: plan.concurrentBlobs,
              blobSize: plan.concurrentBlobSize,
            };
          } else {
            t.result[scenario.key] = transfer;
          }
          log(
            `${label}: ${transfer.mbps.toFixed(1)} MB/s, ${transfer.seconds.toFixed(1)} s, ` +
              `peak server RSS ${transfer.peakServerRssMiB.toFixed(0)} MiB`,
          );
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          t.result.errors.push(`${scenario.label}: ${message}`);
          log(`${label}: FAILED: ${message}`);
        }
      }
    }
  } catch (err) {
    results.error = err instanceof Error ? err.message : String(err);
    log(`/v2: FAILED: ${results.error}`);
  } finally {
    ctx.sampler.watch(null);
    for (const stop of [...running.stops].reverse()) {
      try {
        await stop();
      } catch (err) {
        log(`/v2: cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await removeWork();
  }
  return results;
}

function authHeaders(t: Target): http.OutgoingHttpHeaders {
  return t.authorization ? { authorization: t.authorization } : {};
}

import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, type BlobStoreDriver, type S3Config } from '../../src/config/app-config';
import { s3Client } from '../../src/storage/s3-blob.store';
import { freePort } from '../../tooling/ports';

/**
 * An S3-compatible server for the s3 driver's tests: OpenStack Swift (Debian's packages, which
 * scripts/ensure-test-tools.sh installs) with its `s3api` middleware, on loopback ports, in a
 * temporary directory: one device, one replica, rings built with `swift-ring-builder`, a
 * memcached of its own for tempauth. The credentials are tempauth's `test:tester` / `testing`.
 *
 * One server serves the whole jest run: the first test file that needs it starts it (under a lock,
 * since test files run in parallel workers) and the global teardown stops it. The server's
 * processes are detached, so that they outlive the worker that started them.
 */
export interface SwiftS3 {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const REGION = 'us-east-1';
const ACCESS_KEY_ID = 'test:tester';
const SECRET_ACCESS_KEY = 'testing';

/** Where the run's server is described (set by the global setup). */
function runDir(): string {
  const dir = process.env.BERTH_TEST_SWIFT_DIR;
  if (!dir) throw new Error('BERTH_TEST_SWIFT_DIR is not set: run the tests through jest');
  return dir;
}

/** The run's Swift, started by the first caller; later callers wait for it. */
export async function ensureSwift(): Promise<SwiftS3> {
  const dir = runDir();
  const described = path.join(dir, 'server.json');
  const lock = path.join(dir, 'starting');
  let owner = false;
  try {
    fs.mkdirSync(lock);
    owner = true;
  } catch {
    // another worker starts it
  }
  if (owner) {
    try {
      const server = await startSwift(path.join(dir, 'server'));
      fs.writeFileSync(`${described}.new`, JSON.stringify(server));
      fs.renameSync(`${described}.new`, described);
    } catch (err) {
      fs.writeFileSync(path.join(dir, 'failed'), String(err));
      throw err;
    }
  }
  const deadline = Date.now() + 120_000;
  while (!fs.existsSync(described)) {
    if (fs.existsSync(path.join(dir, 'failed'))) {
      throw new Error(`Swift did not start: ${fs.readFileSync(path.join(dir, 'failed'), 'utf8')}`);
    }
    if (Date.now() > deadline) throw new Error('Swift did not start within 120 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return JSON.parse(fs.readFileSync(described, 'utf8')) as SwiftS3;
}

/** Stops the run's Swift, if one was started: its processes, then its directory. */
export async function stopSwift(dir: string): Promise<void> {
  const pids = path.join(dir, 'server', 'pids');
  if (fs.existsSync(pids)) {
    const list = fs.readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number);
    for (const pid of list) signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (list.some(alive) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const pid of list) signalGroup(pid, 'SIGKILL');
  }
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A server and the workers it forked form one process group (each was started detached). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // gone already
  }
}

async function startSwift(dir: string): Promise<SwiftS3> {
  fs.mkdirSync(path.join(dir, 'devices', 'd1'), { recursive: true });
  const log = path.join(dir, 'log');
  const pidFile = path.join(dir, 'pids');
  const ports = {
    proxy: await freePort(),
    account: await freePort(),
    container: await freePort(),
    object: await freePort(),
    memcached: await freePort(),
  };
  // Read instead of /etc/swift/swift.conf: every server's `swift_dir` points here.
  fs.writeFileSync(
    path.join(dir, 'swift.conf'),
    [
      '[swift-hash]',
      'swift_hash_path_suffix = berth-test',
      'swift_hash_path_prefix = berth-test',
      '[storage-policy:0]',
      'name = gold',
      'default = yes',
      '',
    ].join('\n'),
  );
  for (const ring of ['account', 'container', 'object'] as const) {
    const builder = path.join(dir, `${ring}.builder`);
    const run = (args: string[]): void => {
      // `rebalance` exits 1 with a warning on a one-device ring: the ring is written all the same.
      try {
        execFileSync('swift-ring-builder', [builder, ...args], { stdio: 'pipe' });
      } catch (err) {
        if (!fs.existsSync(builder) || args[0] !== 'rebalance') throw err;
      }
    };
    run(['create', '6', '1', '1']);
    run(['add', `r1z1-127.0.0.1:${ports[ring]}/d1`, '1']);
    run(['rebalance']);
    if (!fs.existsSync(path.join(dir, `${ring}.ring.gz`))) {
      throw new Error(`swift-ring-builder wrote no ${ring} ring`);
    }
  }
  const common = [
    '[DEFAULT]',
    `swift_dir = ${dir}`,
    `devices = ${path.join(dir, 'devices')}`,
    'mount_check = false',
    'bind_ip = 127.0.0.1',
    'workers = 1',
    // The test runs as root; Swift would otherwise switch to a `swift` user.
    `user = ${os.userInfo().username}`,
    'log_level = WARNING',
  ];
  const server = (name: 'account' | 'container' | 'object'): string =>
    [
      ...common,
      `bind_port = ${ports[name]}`,
      '[pipeline:main]',
      `pipeline = ${name}-server`,
      `[app:${name}-server]`,
      `use = egg:swift#${name}`,
      '',
    ].join('\n');
  for (const name of ['account', 'container', 'object'] as const) {
    fs.writeFileSync(path.join(dir, `${name}-server.conf`), server(name));
  }
  fs.writeFileSync(
    path.join(dir, 'proxy-server.conf'),
    [
      ...common,
      `bind_port = ${ports.proxy}`,
      '[pipeline:main]',
      'pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk' +
        ' s3api tempauth copy slo dlo proxy-logging proxy-server',
      '[app:proxy-server]',
      'use = egg:swift#proxy',
      'account_autocreate = true',
      // Each ring has one device: the proxy's defaults (0.5 s to connect, and a node set aside for
      // 60 s after 10 errors) turn a loaded machine's slow start into a minute of 503s.
      'conn_timeout = 5',
      'node_timeout = 60',
      'error_suppression_limit = 1000000',
      '[filter:tempauth]',
      'use = egg:swift#tempauth',
      `user_test_tester = ${SECRET_ACCESS_KEY} .admin`,
      '[filter:s3api]',
      'use = egg:swift#s3api',
      `location = ${REGION}`,
      '[filter:cache]',
      'use = egg:swift#memcache',
      `memcache_servers = 127.0.0.1:${ports.memcached}`,
      ...['catch_errors', 'gatekeeper', 'healthcheck', 'proxy-logging', 'listing_formats'].flatMap(
        (f) => [`[filter:${f}]`, `use = egg:swift#${f.replace('-', '_')}`],
      ),
      ...['bulk', 'copy', 'slo', 'dlo'].flatMap((f) => [`[filter:${f}]`, `use = egg:swift#${f}`]),
      '',
    ].join('\n'),
  );
  const out = fs.openSync(log, 'a');
  const launch = (command: string, args: string[]): void => {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out] });
    fs.appendFileSync(pidFile, `${child.pid}\n`);
    child.unref();
  };
  launch('memcached', [
    '-l',
    '127.0.0.1',
    '-p',
    String(ports.memcached),
    '-U',
    '0',
    '-m',
    '32',
    '-u',
    os.userInfo().username,
  ]);
  for (const name of ['account', 'container', 'object', 'proxy'] as const) {
    launch(`swift-${name}-server`, [path.join(dir, `${name}-server.conf`)]);
  }
  const endpoint = `http://127.0.0.1:${ports.proxy}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${endpoint}/healthcheck`);
      if (res.ok) {
        // The account and object servers answer too once an authenticated request goes through.
        const auth = await fetch(`${endpoint}/auth/v1.0`, {
          headers: { 'X-Auth-User': ACCESS_KEY_ID, 'X-Auth-Key': SECRET_ACCESS_KEY },
        });
        const token = auth.headers.get('x-auth-token');
        const storage = auth.headers.get('x-storage-url');
        if (auth.ok && token && storage && (await serversAnswer(storage, token))) break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`Swift did not answer within 60 s:\n${readTail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    endpoint,
    region: REGION,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
  };
}

/**
 * Whether the account, container and object servers all answer through the proxy: an object
 * written, read back and removed, in a container made for the purpose. The proxy's own
 * healthcheck answers before its backends listen.
 */
async function serversAnswer(storage: string, token: string): Promise<boolean> {
  const headers = { 'X-Auth-Token': token };
  const container = `${storage}/ready-probe`;
  const object = `${container}/probe`;
  const ok = async (url: string, init: RequestInit): Promise<boolean> => {
    const res = await fetch(url, { ...init, headers });
    await res.arrayBuffer();
    return res.ok;
  };
  return (
    (await ok(storage, { method: 'GET' })) &&
    (await ok(container, { method: 'PUT' })) &&
    (await ok(object, { method: 'PUT', body: 'ready' })) &&
    (await ok(object, { method: 'GET' })) &&
    (await ok(object, { method: 'DELETE' })) &&
    (await ok(container, { method: 'DELETE' }))
  );
}

function readTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-4000);
  } catch {
    return '';
  }
}

let bucketReady: Promise<void> | undefined;

/** The environment that points an instance at the run's Swift, under a prefix of its own. */
export async function s3TestEnv(): Promise<Record<string, string>> {
  const server = await ensureSwift();
  const bucket = 'berth-test';
  bucketReady ??= (async () => {
    const client = s3Client({
      bucket,
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      prefix: '',
    });
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    } finally {
      client.destroy();
    }
  })();
  await bucketReady;
  return {
    BLOB_STORE: 's3',
    S3_BUCKET: bucket,
    S3_ENDPOINT: server.endpoint,
    S3_REGION: server.region,
    S3_FORCE_PATH_STYLE: 'true',
    S3_ACCESS_KEY_ID: server.accessKeyId,
    S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    S3_PREFIX: `t${randomBytes(6).toString('hex')}/`,
  };
}

/** The environment selecting `driver` (and, for s3, the run's Swift). */
export async function driverEnv(driver: BlobStoreDriver): Promise<Record<string, string>> {
  return driver === 's3' ? s3TestEnv() : { BLOB_STORE: driver };
}

/** The s3 settings an instance started with `env` uses (undefined without S3_BUCKET). */
export function s3ConfigOf(env: Record<string, string>): S3Config | undefined {
  return env.S3_BUCKET ? loadConfig(env).s3 : undefined;
}

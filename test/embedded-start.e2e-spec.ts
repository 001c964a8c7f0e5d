import { CreateRepositoryCommand, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ecrClient, freePort } from './support/app';

// The README's first command (`npm start`) on a fresh machine: the BUILT server, no
// DATABASE_URL, an embedded PostgreSQL under DATA_DIR that survives a restart, a clean SIGTERM,
// and a refusal to start that names the variable at fault.

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

interface Server {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

function start(env: Record<string, string>): Server {
  if (!fs.existsSync(MAIN)) {
    throw new Error(
      `${MAIN} does not exist: build the server first (\`npx nest build\`; \`npm test\` does it)`,
    );
  }
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...env };
  delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  // Capped, but always drained, so a chatty server never blocks on a full pipe.
  child.stdout.on('data', (chunk: Buffer) => {
    if (out.length < 1_000_000) out += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (err.length < 1_000_000) err += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    child,
    url: `http://127.0.0.1:${env.PORT}`,
    stdout: () => out,
    stderr: () => err,
    exited,
  };
}

function describeOutput(server: Server): string {
  return `\n--- stdout ---\n${server.stdout().slice(-4000)}\n--- stderr ---\n${server.stderr().slice(-4000)}`;
}

async function waitReady(server: Server, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: { code: number | null } | undefined;
  void server.exited.then((e) => (exit = e));
  while (Date.now() < deadline) {
    if (exit) throw new Error(`the server exited (code ${exit.code})${describeOutput(server)}`);
    try {
      const res = await fetch(`${server.url}/health/ready`);
      if (res.status === 200) {
        expect(await res.json()).toEqual({ status: 'ok', database: 'up' });
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server was not ready after ${timeoutMs} ms${describeOutput(server)}`);
}

async function exitOf(
  server: Server,
  timeoutMs = 60_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`the server did not exit in ${timeoutMs} ms${describeOutput(server)}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([server.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ids of the processes whose command line names `dir` (the embedded postgres of one DATA_DIR). */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(dir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The `[default]` key of an AWS shared-credentials file. */
function readCredentialsFile(file: string): { accessKeyId: string; secretAccessKey: string } {
  const text = fs.readFileSync(file, 'utf8');
  const value = (name: string): string => {
    const match = new RegExp(`^${name}\\s*=\\s*(\\S+)\\s*$`, 'm').exec(text);
    if (!match) throw new Error(`${file} has no ${name}:\n${text}`);
    return match[1];
  };
  return {
    accessKeyId: value('aws_access_key_id'),
    secretAccessKey: value('aws_secret_access_key'),
  };
}

function logLines(server: Server): Record<string, unknown>[] {
  return server
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** What the server logged at warn or above once it began to stop: nothing, when it stops cleanly. */
function warningsWhileStopping(server: Server): Record<string, unknown>[] {
  const lines = logLines(server);
  const stopping = lines.findIndex((l) => l.msg === 'stopping');
  return lines.slice(stopping).filter((l) => typeof l.level === 'number' && l.level >= 40);
}

describe('npm start on a fresh machine (embedded PostgreSQL)', () => {
  afterAll(() => {
    // Whatever happened, nothing started here outlives the tests.
    for (const child of children) child.kill('SIGKILL');
    for (const dir of tempDirs) {
      for (const pid of processesUsing(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    // The data dir holds files owned by the `postgres` user; root removes them all the same.
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves with no DATABASE_URL, stops cleanly on SIGTERM and keeps its data across a restart', async () => {
    const dataDir = tempDir('berth-embedded-start-');
    const env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      HOST: '127.0.0.1',
    };
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');

    const first = start(env);
    await waitReady(first);
    expect(fs.existsSync(pidFile)).toBe(true);
    expect(logLines(first)).toContainEqual(
      expect.objectContaining({ msg: 'Berth is serving the ECR API', database: 'embedded' }),
    );

    // No BOOTSTRAP_*: the first key is generated, shown once on stderr and kept in
    // DATA_DIR/credentials; the master key and the admin token are generated beside it.
    const credentials = readCredentialsFile(path.join(dataDir, 'credentials'));
    for (const name of ['credentials', 'master.key', 'admin.token']) {
      expect(fs.statSync(path.join(dataDir, name)).mode & 0o777).toBe(0o600);
    }
    expect(first.stderr()).toContain(`AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`);
    const adminToken = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
    expect(first.stderr()).toContain(`Authorization: Bearer ${adminToken}`);

    const ecr = ecrClient(first.url, { credentials: { ...credentials } });
    try {
      const created = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'kept/app' }));
      expect(created.repository?.repositoryName).toBe('kept/app');
    } finally {
      ecr.destroy();
    }

    first.child.kill('SIGTERM');
    const firstExit = await exitOf(first);
    // stderr rides along so that a failure shows why.
    expect({ ...firstExit, stderr: first.stderr() }).toMatchObject({ code: 0, signal: null });
    // Its connections closed before the embedded server stopped: none was cut off.
    expect(warningsWhileStopping(first)).toEqual([]);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(processesUsing(dataDir)).toEqual([]);
    // One request line for the call, without the body or the signature.
    const request = logLines(first).find((l) => l.operation === 'CreateRepository');
    expect(request).toMatchObject({ msg: 'request', status: 200 });
    expect(typeof request?.requestId).toBe('string');
    expect(typeof request?.durationMs).toBe('number');
    expect(first.stdout()).not.toContain('Credential=');
    expect(first.stdout()).not.toContain('"repositoryName"');
    // Neither secret ever reaches the log.
    expect(first.stdout()).not.toContain(credentials.secretAccessKey);
    expect(first.stdout()).not.toContain(adminToken);

    const second = start(env);
    await waitReady(second);
    // Shown once: a restart generates nothing and shows nothing.
    expect(second.stderr()).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(readCredentialsFile(path.join(dataDir, 'credentials'))).toEqual(credentials);
    const again = ecrClient(second.url, { credentials: { ...credentials } });
    try {
      const out = await again.send(
        new DescribeRepositoriesCommand({ repositoryNames: ['kept/app'] }),
      );
      expect(out.repositories?.map((r) => r.repositoryName)).toEqual(['kept/app']);
    } finally {
      again.destroy();
    }
    second.child.kill('SIGTERM');
    const secondExit = await exitOf(second);
    expect({ ...secondExit, stderr: second.stderr() }).toMatchObject({ code: 0, signal: null });
    expect(warningsWhileStopping(second)).toEqual([]);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(processesUsing(dataDir)).toEqual([]);
  }, 240_000);

  it('refuses to start when EMBEDDED_PG_PORT is taken, naming the variable', async () => {
    const blocker = net.createServer();
    const pgPort = await freePort();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(pgPort, '127.0.0.1', () => resolve());
    });
    try {
      const dataDir = tempDir('berth-embedded-taken-');
      const server = start({
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        EMBEDDED_PG_PORT: String(pgPort),
        HOST: '127.0.0.1',
      });
      const { code } = await exitOf(server);
      expect(code).not.toBe(0);
      expect(server.stderr()).toContain(`EMBEDDED_PG_PORT ${pgPort}`);
      expect(processesUsing(dataDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 60_000);

  it('refuses to start with PORT=notaport, naming the variable', async () => {
    const dataDir = tempDir('berth-embedded-badport-');
    const server = start({
      DATA_DIR: dataDir,
      PORT: 'notaport',
      EMBEDDED_PG_PORT: String(await freePort()),
    });
    const { code } = await exitOf(server);
    expect(code).not.toBe(0);
    expect(server.stderr()).toMatch(/\bPORT="notaport"/);
    // Configuration is checked before anything is started or written.
    expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
  }, 60_000);

  it('refuses to start with the published example secrets, naming each variable', async () => {
    const dataDir = tempDir('berth-embedded-published-');
    const published = {
      ADMIN_TOKEN: 'change-me-to-a-long-random-admin-token',
      SIGNING_KEY: 'change-me-to-32-or-more-random-characters',
      MASTER_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
      BOOTSTRAP_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      BOOTSTRAP_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    };
    const server = start({
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      ...published,
    });
    const { code } = await exitOf(server);
    expect(code).toBe(2);
    for (const [name, value] of Object.entries(published)) {
      expect(server.stderr()).toMatch(new RegExp(`\\b${name}: the value is published in `));
      expect(server.stderr()).not.toContain(value);
    }
    expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
  }, 60_000);
});

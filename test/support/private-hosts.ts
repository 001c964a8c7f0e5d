import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toolPath, ToolError, type RunOptions, type Tool, type ToolResult } from './oci-tools';

/**
 * Names of its own resolved to loopback for one process, without touching the machine's DNS or
 * /etc/hosts: the process runs in a private mount namespace (`unshare -m`, as root) where a
 * hosts file is bound over /etc/hosts. The mount ends with the process (and whatever it started
 * in the namespace); nothing else on the machine sees it. For per-account registry hosts
 * (`<account>.localhost`), which neither glibc nor Go's resolver answer by themselves.
 */

/** Writes `file`: localhost and each of `names` at 127.0.0.1. */
export function writeHostsFile(file: string, names: string[]): void {
  fs.writeFileSync(
    file,
    ['127.0.0.1 localhost', '::1 localhost', ...names.map((n) => `127.0.0.1 ${n}`), ''].join('\n'),
  );
}

/**
 * The command and arguments that run `binary args...` with `hostsFile` as its /etc/hosts. The
 * shell execs the binary, so the child's pid is the binary's (a signal to it reaches the binary).
 */
export function withHostsFile(
  hostsFile: string,
  binary: string,
  args: string[],
): { command: string; args: string[] } {
  // $0 is the hosts file, "$@" the binary and its arguments: nothing is interpolated by the shell.
  const script = 'mount --bind "$0" /etc/hosts && exec "$@"';
  return {
    command: '/usr/bin/unshare',
    args: [
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      script,
      hostsFile,
      binary,
      ...args,
    ],
  };
}

/** Runs one tool to its end with `names` resolved to loopback. */
export async function runWithHosts(
  names: string[],
  tool: Tool,
  args: string[],
  options: RunOptions = {},
): Promise<ToolResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-hosts-'));
  const hosts = path.join(dir, 'hosts');
  writeHostsFile(hosts, names);
  const run = withHostsFile(hosts, toolPath(tool), args);
  try {
    return await new Promise<ToolResult>((resolve, reject) => {
      const child = execFile(
        run.command,
        run.args,
        {
          env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...options.env },
          cwd: options.cwd,
          timeout: options.timeoutMs ?? 300_000,
          maxBuffer: 64 * 1024 * 1024,
          encoding: 'utf8',
        },
        (err, stdout, stderr) => {
          const code =
            err === null ? 0 : typeof err.code === 'number' ? err.code : err.killed ? 137 : 1;
          const result = { code, stdout, stderr };
          if (code !== 0 && !options.allowFailure) {
            reject(new ToolError(`${tool} ${args.join(' ')} (hosts: ${names.join(' ')})`, result));
          } else {
            resolve(result);
          }
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

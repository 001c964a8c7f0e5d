import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toolPath, ToolError, type RunOptions, type Tool, type ToolResult } from './oci-tools';

/**
 * Runs one tool with names of its own resolved to loopback, without touching the machine's
 * DNS or /etc/hosts: the tool runs in a private mount namespace (`unshare -m`, as root) where a
 * temporary hosts file is bound over /etc/hosts. The mount ends with the command; nothing else
 * on the machine sees it. For per-account registry hosts (`<account>.localhost`), which neither
 * glibc nor Go's resolver answer by themselves.
 */
export async function runWithHosts(
  names: string[],
  tool: Tool,
  args: string[],
  options: RunOptions = {},
): Promise<ToolResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-hosts-'));
  const hosts = path.join(dir, 'hosts');
  fs.writeFileSync(
    hosts,
    ['127.0.0.1 localhost', '::1 localhost', ...names.map((n) => `127.0.0.1 ${n}`), ''].join('\n'),
  );
  const binary = toolPath(tool);
  const command = ['/usr/bin/unshare', '--mount', '--propagation', 'private', '--', '/bin/sh'];
  // $0 is the hosts file, "$@" the tool and its arguments: nothing is interpolated by the shell.
  const script = 'mount --bind "$0" /etc/hosts && exec "$@"';
  try {
    return await new Promise<ToolResult>((resolve, reject) => {
      const child = execFile(
        command[0],
        [...command.slice(1), '-c', script, hosts, binary, ...args],
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

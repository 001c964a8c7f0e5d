import { execFile } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Runs the container tools the /v2 tests drive (skopeo, podman, buildah, umoci, docker), as a user
 * would from a shell. `scripts/ensure-test-tools.sh` (npm's `pretest`) installs them from Debian;
 * a missing tool fails the test with a message that says so, it is never skipped.
 */

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class ToolError extends Error {
  constructor(
    readonly command: string,
    readonly result: ToolResult,
  ) {
    super(
      `${command} exited with ${result.code}\n--- stderr\n${result.stderr.slice(-4000)}\n--- stdout\n${result.stdout.slice(-2000)}`,
    );
  }
}

/** Where each tool is found; docker is Debian's CLI, the one that matches Debian's dockerd. */
const BINARIES: Record<string, string[]> = {
  skopeo: ['/usr/bin/skopeo'],
  podman: ['/usr/bin/podman'],
  buildah: ['/usr/bin/buildah'],
  umoci: ['/usr/bin/umoci'],
  docker: ['/usr/bin/docker'],
  dockerd: ['/usr/sbin/dockerd', '/usr/bin/dockerd'],
  'docker-registry': ['/usr/bin/docker-registry'],
  busybox: ['/bin/busybox', '/usr/bin/busybox'],
};

export type Tool = keyof typeof BINARIES;

/** The path of a tool; throws, saying how to install it, when it is not there. */
export function toolPath(tool: Tool): string {
  const found = BINARIES[tool].find((candidate) => fs.existsSync(candidate));
  if (!found) {
    throw new Error(
      `${tool} is not installed (looked at ${BINARIES[tool].join(', ')}): run ` +
        '`bash scripts/ensure-test-tools.sh` as root (npm test runs it first)',
    );
  }
  return found;
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: string;
  cwd?: string;
  /** Milliseconds; 5 minutes unless said. */
  timeoutMs?: number;
  /** Resolve with a failing result instead of throwing (for tests of refusals). */
  allowFailure?: boolean;
}

/** Runs `tool args...`; throws a ToolError carrying its output when it fails. */
export function runTool(tool: Tool, args: string[], options: RunOptions = {}): Promise<ToolResult> {
  const binary = toolPath(tool);
  return new Promise((resolve, reject) => {
    const child = execFile(
      binary,
      args,
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
          reject(new ToolError(`${tool} ${args.join(' ')}`, result));
        } else {
          resolve(result);
        }
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

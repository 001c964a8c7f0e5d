import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTool, toolPath, type RunOptions, type ToolResult } from './oci-tools';
import { withHostsFile, writeHostsFile } from './private-hosts';

/**
 * A private Docker daemon for one test file: its own data root, socket, exec root and pidfile
 * under a temporary directory, no iptables and no bridge, so it touches nothing of the machine's
 * (and needs no network: containers run with `--network none`). A registry on 127.0.0.0/8 is
 * allowed over plain HTTP by default; `insecureRegistries` adds others. With `hosts`, the daemon
 * (which resolves registry names, not the CLI) runs with those names resolved to loopback, in a
 * private mount namespace of its own (private-hosts.ts).
 *
 * `docker(...)` runs Debian's docker CLI against it, with a DOCKER_CONFIG of its own, so that
 * `docker login` stores its credentials there and not in the user's ~/.docker.
 */
export interface Dockerd {
  readonly dir: string;
  readonly host: string;
  docker(args: string[], options?: RunOptions): Promise<ToolResult>;
  /** `docker login <registry> -u <user> --password-stdin`. */
  login(registry: string, user: string, password: string): Promise<ToolResult>;
  output(): string;
  stop(): Promise<void>;
}

export async function startDockerd(
  options: { insecureRegistries?: string[]; hosts?: string[] } = {},
): Promise<Dockerd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const configDir = path.join(dir, 'client');
  fs.mkdirSync(configDir);
  const args = [
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    '--data-root',
    path.join(dir, 'data'),
    '-H',
    host,
    '--exec-root',
    path.join(dir, 'exec'),
    '--pidfile',
    path.join(dir, 'docker.pid'),
    // A containerd of its own (dockerd starts one under exec-root) rather than the machine's.
    '--containerd-namespace',
    `berth-test-${process.pid}`,
    ...(options.insecureRegistries ?? []).flatMap((r) => ['--insecure-registry', r]),
  ];
  let command = { command: toolPath('dockerd'), args };
  if (options.hosts) {
    const hostsFile = path.join(dir, 'hosts');
    writeHostsFile(hostsFile, options.hosts);
    command = withHostsFile(hostsFile, command.command, args);
  }
  const child: ChildProcess = spawn(command.command, command.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const docker = (dockerArgs: string[], runOptions: RunOptions = {}): Promise<ToolResult> =>
    runTool('docker', dockerArgs, {
      ...runOptions,
      env: { DOCKER_HOST: host, DOCKER_CONFIG: configDir, ...runOptions.env },
    });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    // Containers' mounts are gone with the daemon; whatever a crash left is not worth failing on.
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`dockerd exited with ${child.exitCode}:\n${output.slice(-4000)}`);
    }
    if (fs.existsSync(socket)) {
      const ping = await docker(['version', '--format', '{{.Server.Version}}'], {
        allowFailure: true,
        timeoutMs: 10_000,
      });
      if (ping.code === 0) break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dockerd did not answer within 60 s:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    dir,
    host,
    docker,
    login: (registry, user, password) =>
      docker(['login', registry, '--username', user, '--password-stdin'], { input: password }),
    output: () => output,
    stop,
  };
}

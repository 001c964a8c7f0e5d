import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTool, type RunOptions, type ToolResult } from './oci-tools';

/**
 * skopeo, podman and buildah against a registry over plain HTTP, as root and without a daemon.
 * Every call names its TLS choice and its credentials (`user:password`, or none for an anonymous
 * call) on the command line, so no auth file or registries.conf of the machine takes part.
 */

export interface RegistryCredentials {
  username: string;
  password: string;
}

const creds = (c: RegistryCredentials): string => `${c.username}:${c.password}`;

/** `host:port` of a registry URL, the form the tools name a registry by. */
export function registryHost(url: string): string {
  return new URL(url).host;
}

export interface SkopeoCopyOptions extends RunOptions {
  srcCreds?: RegistryCredentials;
  destCreds?: RegistryCredentials;
  /**
   * Keep every digest (the default): skopeo may not recompress or convert anything, so the
   * registry receives the bytes of the source. false lets it convert.
   */
  preserveDigests?: boolean;
  /** Extra arguments before the source (e.g. `--format`). */
  extra?: string[];
}

/**
 * `skopeo copy <src> <dest>`; a `docker://` side is reached over HTTP. Signatures are neither made
 * nor looked for (Berth stores none), and the policy accepts anything.
 */
export function skopeoCopy(
  src: string,
  dest: string,
  options: SkopeoCopyOptions = {},
): Promise<ToolResult> {
  return runTool(
    'skopeo',
    [
      '--insecure-policy',
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      ...(options.srcCreds ? ['--src-creds', creds(options.srcCreds)] : ['--src-no-creds']),
      ...(options.destCreds ? ['--dest-creds', creds(options.destCreds)] : []),
      '--remove-signatures',
      ...(options.preserveDigests === false ? [] : ['--preserve-digests']),
      ...(options.extra ?? []),
      src,
      dest,
    ],
    options,
  );
}

/** `skopeo inspect --raw` of a `docker://` reference: the manifest's bytes as stored. */
export async function skopeoInspectRaw(
  ref: string,
  credentials?: RegistryCredentials,
  options: RunOptions = {},
): Promise<ToolResult> {
  return runTool(
    'skopeo',
    [
      'inspect',
      '--raw',
      '--tls-verify=false',
      ...(credentials ? ['--creds', creds(credentials)] : ['--no-creds']),
      ref,
    ],
    options,
  );
}

/**
 * A podman (or buildah) store of its own in a temporary directory: vfs storage, cgroupfs, events
 * to a file, so that it runs as root with no daemon, no systemd and no overlay mounts.
 */
export interface ContainerStore {
  readonly dir: string;
  podman(args: string[], options?: RunOptions): Promise<ToolResult>;
  buildah(args: string[], options?: RunOptions): Promise<ToolResult>;
  remove(): void;
}

export function createContainerStore(): ContainerStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-containers-'));
  const root = path.join(dir, 'root');
  const runroot = path.join(dir, 'run');
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
  fs.writeFileSync(path.join(dir, 'auth.json'), '{"auths":{}}');
  // Both tools read the same storage options; an auth file of its own keeps any login here.
  const env = {
    TMPDIR: tmp,
    REGISTRY_AUTH_FILE: path.join(dir, 'auth.json'),
    XDG_RUNTIME_DIR: runroot,
    HOME: dir,
  };
  const storage = ['--root', root, '--runroot', runroot, '--storage-driver', 'vfs'];
  return {
    dir,
    podman: (args, options = {}) =>
      runTool(
        'podman',
        [
          ...storage,
          '--cgroup-manager',
          'cgroupfs',
          '--events-backend',
          'file',
          '--tmpdir',
          tmp,
          ...args,
        ],
        { ...options, env: { ...env, ...options.env } },
      ),
    buildah: (args, options = {}) =>
      runTool('buildah', [...storage, ...args], { ...options, env: { ...env, ...options.env } }),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The arguments podman and buildah take for a registry over HTTP with these credentials. */
export function registryArgs(credentials?: RegistryCredentials): string[] {
  return ['--tls-verify=false', ...(credentials ? ['--creds', creds(credentials)] : [])];
}

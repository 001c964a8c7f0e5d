import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Credentials, TEST_CREDENTIALS } from './app';

/**
 * Runs the real AWS CLI v2 against a Berth endpoint, the way a user would.
 *
 * The binary is `$AWS_CLI` when set (it must be a v2), otherwise `/usr/bin/aws` or
 * `/usr/local/bin/aws`; never the first `aws` on PATH, which is a v1 on some machines.
 * `scripts/ensure-test-tools.sh` (npm's `pretest`) installs it where it can. A missing CLI fails
 * the tests with a message saying so: they are never skipped.
 */

export interface AwsCliResult {
  /** The exit code (0 on success; 254 or 255 for a service or client error). */
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
}

const CANDIDATES = ['/usr/bin/aws', '/usr/local/bin/aws'];

function versionOf(binary: string): string | undefined {
  try {
    if (!fs.existsSync(binary)) return undefined;
    return execFileSync(binary, ['--version'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_PAGER: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch {
    return undefined;
  }
}

let found: string | undefined;

/** The path of the AWS CLI v2; throws a message that says how to get it when there is none. */
export function findAwsCli(): string {
  if (found) return found;
  const override = process.env.AWS_CLI;
  if (override) {
    const version = versionOf(override);
    if (!version?.startsWith('aws-cli/2.')) {
      throw new Error(
        `AWS_CLI=${override} is not an AWS CLI v2 (--version answered ${JSON.stringify(version ?? 'nothing')}); ` +
          'point AWS_CLI at a v2 binary or unset it',
      );
    }
    found = override;
    return found;
  }
  const seen: string[] = [];
  for (const candidate of CANDIDATES) {
    const version = versionOf(candidate);
    if (version?.startsWith('aws-cli/2.')) {
      found = candidate;
      return found;
    }
    seen.push(`${candidate}: ${version ?? 'absent'}`);
  }
  throw new Error(
    `The AWS CLI v2 is required by these tests and was not found (${seen.join('; ')}). ` +
      'Run `bash scripts/ensure-test-tools.sh` (it installs it as root with apt-get), install it ' +
      'from https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html, or set ' +
      'AWS_CLI to a v2 binary.',
  );
}

/**
 * Runs `aws <args> --endpoint-url <url> --output json` with the test credentials, region
 * us-east-1, no pager, no instance metadata lookups, one attempt, and empty config and
 * credentials files, so nothing of the machine's own AWS setup can leak in. A non-zero exit is
 * returned, not thrown.
 */
export function awsCli(
  url: string,
  args: string[],
  options: {
    timeoutMs?: number;
    /** Instead of the test key; null passes none (for a credentials file given in `env`). */
    credentials?: Credentials | null;
    env?: Record<string, string>;
  } = {},
): Promise<AwsCliResult> {
  const credentials = options.credentials === undefined ? TEST_CREDENTIALS : options.credentials;
  const binary = findAwsCli();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    ...(credentials
      ? {
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        }
      : {}),
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_MAX_ATTEMPTS: '1',
    AWS_CLI_AUTO_PROMPT: 'off',
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      [...args, '--endpoint-url', url, '--output', 'json'],
      { env, encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) {
          // A non-zero exit carries a numeric code; anything else (spawn failure, timeout) is fatal.
          if (typeof error.code !== 'number') {
            reject(
              new Error(`running ${binary} ${args.join(' ')} failed: ${error.message}\n${stderr}`),
            );
            return;
          }
          code = error.code;
        }
        let json: unknown;
        try {
          json = stdout.trim() ? JSON.parse(stdout) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ code, stdout, stderr, json });
      },
    );
  });
}

/** The placeholder of REGISTRY_HOST that stands for an account id. */
export const ACCOUNT_PLACEHOLDER = '<account>';

const HOST = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/;
const ACCOUNT = /^\d{12}$/;

/** Why a REGISTRY_HOST pattern is refused, or undefined when it is a good one. */
export function registryHostProblem(pattern: string): string | undefined {
  const at = pattern.indexOf(ACCOUNT_PLACEHOLDER);
  if (at < 0 || pattern.indexOf(ACCOUNT_PLACEHOLDER, at + 1) >= 0) {
    return `must contain ${ACCOUNT_PLACEHOLDER} exactly once, e.g. ${ACCOUNT_PLACEHOLDER}.registry.example.com`;
  }
  if (!HOST.test(pattern.replace(ACCOUNT_PLACEHOLDER, '000000000000'))) {
    return 'must be a lower-case host name, with an optional :port, around <account>';
  }
  return undefined;
}

/** The registry host of `account` under the pattern (`<account>.registry.example.com`). */
export function accountHost(pattern: string, account: string): string {
  return pattern.replace(ACCOUNT_PLACEHOLDER, account);
}

/**
 * The account whose registry host `host` (a Host header) is under the pattern, or undefined.
 * A pattern without a port matches the host whatever its port; one with a port, only that port.
 */
export function accountOfHost(pattern: string, host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  let name = host.toLowerCase();
  if (!pattern.includes(':')) name = name.replace(/:\d+$/, '');
  const at = pattern.indexOf(ACCOUNT_PLACEHOLDER);
  const prefix = pattern.slice(0, at);
  const suffix = pattern.slice(at + ACCOUNT_PLACEHOLDER.length);
  if (name.length !== prefix.length + 12 + suffix.length) return undefined;
  if (!name.startsWith(prefix) || !name.endsWith(suffix)) return undefined;
  const account = name.slice(prefix.length, prefix.length + 12);
  return ACCOUNT.test(account) ? account : undefined;
}

/**
 * The host an account's repositories are pulled from (their `repositoryUri`): the account's
 * registry host under REGISTRY_HOST, else PUBLIC_URL's host, which serves the caller's own.
 */
export function registryHostOf(
  config: { publicUrl: string; registryHost?: string },
  account: string,
): string {
  return config.registryHost
    ? accountHost(config.registryHost, account)
    : new URL(config.publicUrl).host;
}

/** The prefix that names a registry's default template. */
export const ROOT_PREFIX = 'ROOT';

/** What a template's prefix covers: the name itself, without the trailing `/` ECR assumes. */
function namespaceOf(prefix: string): string {
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}

/**
 * The template among `prefixes` that applies to a new repository `name`: the longest prefix
 * whose namespace holds the name (`prod` covers `prod/web` and `prod/team/web`, never `prod`
 * itself nor `production/web`), else `ROOT` when there is one, else none.
 */
export function templateFor(prefixes: readonly string[], name: string): string | undefined {
  let best: string | undefined;
  for (const prefix of prefixes) {
    if (prefix === ROOT_PREFIX) continue;
    const namespace = namespaceOf(prefix);
    if (!name.startsWith(`${namespace}/`)) continue;
    if (best === undefined || namespace.length > namespaceOf(best).length) best = prefix;
  }
  return best ?? (prefixes.includes(ROOT_PREFIX) ? ROOT_PREFIX : undefined);
}

/**
 * The prefixes a template for `name` could have, longest first, `ROOT` last: each leading run
 * of its path segments, with and without the trailing `/`.
 */
export function candidatePrefixes(name: string): string[] {
  const segments = name.split('/');
  const out: string[] = [];
  for (let n = segments.length - 1; n >= 1; n--) {
    const namespace = segments.slice(0, n).join('/');
    out.push(namespace, `${namespace}/`);
  }
  out.push(ROOT_PREFIX);
  return out;
}

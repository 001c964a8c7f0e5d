/** The only user name of the registry's password: the one ECR's tokens are issued for. */
export const REGISTRY_USER = 'AWS';

/** The credentials of an `Authorization: Basic` header, or undefined for any other header. */
export function parseBasicAuthorization(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const match = header === undefined ? null : /^basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The challenge of a 401, as ECR words it: the realm is the registry's own URL. */
export function wwwAuthenticate(publicUrl: string): string {
  return `Basic realm="${publicUrl.replace(/\/+$/, '')}/",service="ecr.amazonaws.com"`;
}

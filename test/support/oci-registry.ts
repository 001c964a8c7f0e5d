import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { RegistryCredentials } from './oci-clients';

/**
 * The /v2 password of an ECR client's account, the way `aws ecr get-login-password` makes it:
 * GetAuthorizationToken, base64-decoded, the part after `AWS:`.
 */
export async function registryLogin(client: ECRClient): Promise<RegistryCredentials> {
  const out = await client.send(new GetAuthorizationTokenCommand({}));
  const token = out.authorizationData?.[0]?.authorizationToken;
  if (!token) throw new Error('GetAuthorizationToken answered no token');
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `Authorization: Basic` for raw /v2 calls. */
export function basicAuth(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

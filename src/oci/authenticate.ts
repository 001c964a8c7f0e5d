import type { Request } from 'express';
import type { AccessKeysService } from '../auth/access-keys.service';
import type { TokensService } from '../tokens/tokens.service';
import { parseBasicAuthorization, REGISTRY_USER } from './basic-auth';
import { OciError } from './oci-errors';

const EXPIRED = 'Your authorization token has expired. Reauthenticate and try again.';

/** The registry of the caller's token; 401 (the door adds the Basic challenge) when there is none. */
export async function authenticate(
  req: Request,
  tokens: TokensService,
  keys: AccessKeysService,
): Promise<string> {
  const unauthorized = (message: string): OciError =>
    new OciError('UNAUTHORIZED', message, undefined, 401);
  const credentials = parseBasicAuthorization(req.headers.authorization);
  if (!credentials) throw unauthorized('Authentication is required: HTTP Basic, user AWS');
  if (credentials.username !== REGISTRY_USER) {
    throw unauthorized(`The user name must be ${REGISTRY_USER}`);
  }
  const token = tokens.read(credentials.password);
  if (!token) throw unauthorized('The password is not an authorization token of this registry');
  if (token.expired) throw new OciError('DENIED', EXPIRED);
  await requireActiveKey(token.claims, keys);
  return token.claims.registryId;
}

/**
 * The check of an authenticated request's key again, before each commit of its body: a body can
 * take longer than the key cache's lifetime to arrive, and a key deactivated meanwhile must not
 * store anything more (the admin call answers once no instance accepts the key any more).
 */
export function keyRecheck(
  req: Request,
  tokens: TokensService,
  keys: AccessKeysService,
): () => Promise<void> {
  const credentials = parseBasicAuthorization(req.headers.authorization);
  const token = credentials && tokens.read(credentials.password);
  if (!token) throw new Error('the request was not authenticated');
  return () => requireActiveKey(token.claims, keys);
}

/**
 * A token is honoured only while the key it was issued to is active (read within the same
 * ACCESS_KEY_CACHE_TTL as a signed ECR call), and still the account's.
 */
async function requireActiveKey(
  { accessKeyId, registryId }: { accessKeyId?: string; registryId: string },
  keys: AccessKeysService,
): Promise<void> {
  const key = accessKeyId === undefined ? undefined : await keys.findActive(accessKeyId);
  if (!key || key.accountId !== registryId) {
    throw new OciError(
      'UNAUTHORIZED',
      'The access key this token was issued to is no longer active; log in again',
      undefined,
      401,
    );
  }
}

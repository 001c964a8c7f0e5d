import type { Request } from 'express';
import type { AccessKeysService } from '../auth/access-keys.service';
import { tokenHonouredBy, type TokensService } from '../tokens/tokens.service';
import { parseBasicAuthorization, REGISTRY_USER } from './basic-auth';
import { OciError } from './oci-errors';

const EXPIRED = 'Your authorization token has expired. Reauthenticate and try again.';

/** Who made an authenticated /v2 request. */
export interface OciCaller {
  registryId: string;
  accessKeyId: string;
  /** The key's deactivation count when the token was issued (0 in tokens from before counts). */
  keyDeactivations: number;
}

function unauthorized(message: string): OciError {
  return new OciError('UNAUTHORIZED', message, undefined, 401);
}

/** The caller of the request's token; 401 (the door adds the Basic challenge) when there is none. */
export async function authenticate(
  req: Request,
  tokens: TokensService,
  keys: AccessKeysService,
): Promise<OciCaller> {
  const credentials = parseBasicAuthorization(req.headers.authorization);
  if (!credentials) throw unauthorized('Authentication is required: HTTP Basic, user AWS');
  if (credentials.username !== REGISTRY_USER) {
    throw unauthorized(`The user name must be ${REGISTRY_USER}`);
  }
  const token = tokens.read(credentials.password);
  if (!token) throw unauthorized('The password is not an authorization token of this registry');
  if (token.expired) throw new OciError('DENIED', EXPIRED);
  const { accessKeyId, registryId, keyDeactivations = 0 } = token.claims;
  if (accessKeyId === undefined) throw inactive();
  const caller = { registryId, accessKeyId, keyDeactivations };
  await requireActiveKey(keys, caller);
  return caller;
}

/**
 * A token is honoured only while the key it was issued to is active (read within the same
 * ACCESS_KEY_CACHE_TTL as a signed ECR call), still the account's, and not deactivated since it
 * was issued (so reactivating the key revives none of its old tokens). Checked again once a body
 * has arrived: it can take longer than the key cache's lifetime, and a key deactivated meanwhile
 * must not store anything (the admin call answers once no instance accepts the key any more).
 */
export async function requireActiveKey(keys: AccessKeysService, caller: OciCaller): Promise<void> {
  const key = await keys.findActive(caller.accessKeyId);
  if (!key || !tokenHonouredBy(key, caller)) throw inactive();
}

function inactive(): OciError {
  return unauthorized('The access key this token was issued to is no longer active; log in again');
}

import { Inject, Injectable } from '@nestjs/common';
import { AccessKeysService, type ActiveAccessKey } from '../auth/access-keys.service';
import { UnrecognizedClientException } from '../auth/auth.errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { registryHostOf } from '../config/registry-host';
import { SigningKeyService } from '../crypto/signing-key.service';

/** ECR's registry tokens are valid for 12 hours. */
export const TOKEN_TTL_SECONDS = 12 * 3600;
const PURPOSE = 'registry-token';
/** Passwords whose signature was verified, kept at most; past it the memo starts again empty. */
const MAX_VERIFIED = 10_000;

export interface RegistryTokenClaims {
  registryId: string;
  /**
   * The access key the token was issued to: the /v2 door honours the token only while that key
   * is active, so that deactivating or deleting a key withdraws its tokens too.
   */
  accessKeyId?: string;
  /**
   * How many times that key had been deactivated when the token was issued; absent (read as 0)
   * in tokens issued before keys counted their deactivations.
   */
  keyDeactivations?: number;
  /** Epoch seconds. */
  expires: number;
}

/**
 * Whether a token is honoured for `key`, the active key it was issued to: the key is still the
 * token's account's, and has not been deactivated since the token was issued. A key deactivated
 * and then reactivated does not bring back the tokens issued before: their holder logs in again.
 */
export function tokenHonouredBy(
  key: ActiveAccessKey,
  claims: Pick<RegistryTokenClaims, 'registryId' | 'keyDeactivations'>,
): boolean {
  return (
    key.accountId === claims.registryId && key.deactivations === (claims.keyDeactivations ?? 0)
  );
}

/**
 * GetAuthorizationToken: `authorizationToken` is base64 of `AWS:<password>`, where the password is
 * a signed statement of the registry and the expiry, so any instance can verify it later without
 * a lookup (it is the password of the registry's Docker API).
 */
@Injectable()
export class TokensService {
  /**
   * The claims of passwords already verified: docker sends the same password with every request,
   * and a signature that verified once verifies again (the signing key does not change while the
   * process runs). Only the signature's work is saved: expiry is judged on every read, and the
   * /v2 door still checks that the token's key is active.
   */
  private readonly verified = new Map<string, RegistryTokenClaims>();

  constructor(
    private readonly signer: SigningKeyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: AccessKeysService,
  ) {}

  issue(claims: RegistryTokenClaims): string {
    const payload = Buffer.from(
      JSON.stringify({
        r: claims.registryId,
        e: claims.expires,
        k: claims.accessKeyId,
        d: claims.keyDeactivations,
      }),
    ).toString('base64url');
    return `${payload}.${this.signer.sign(PURPOSE, payload)}`;
  }

  /** The claims of a password made by `issue`, or undefined when forged, altered or expired. */
  verify(password: string): RegistryTokenClaims | undefined {
    const read = this.read(password);
    return read && !read.expired ? read.claims : undefined;
  }

  /**
   * The claims of a password made by `issue`, whether or not it has expired (a caller tells an
   * expired token from a bad one); undefined when forged or altered.
   */
  read(
    password: string,
    now = Date.now(),
  ): { claims: RegistryTokenClaims; expired: boolean } | undefined {
    const known = this.verified.get(password);
    if (known) return { claims: { ...known }, expired: known.expires < now / 1000 };
    const [payload, signature, extra] = password.split('.');
    if (!payload || !signature || extra !== undefined) return undefined;
    if (!this.signer.verify(PURPOSE, payload, signature)) return undefined;
    try {
      const { r, e, k, d } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        r?: unknown;
        e?: unknown;
        k?: unknown;
        d?: unknown;
      };
      if (typeof r !== 'string' || typeof e !== 'number') return undefined;
      if (k !== undefined && typeof k !== 'string') return undefined;
      if (d !== undefined && typeof d !== 'number') return undefined;
      const claims = {
        registryId: r,
        expires: e,
        ...(k !== undefined ? { accessKeyId: k } : {}),
        ...(d !== undefined ? { keyDeactivations: d } : {}),
      };
      if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
      this.verified.set(password, claims);
      return { claims, expired: e < now / 1000 };
    } catch {
      return undefined;
    }
  }

  /**
   * A registry token (the Docker API password) and its expiry for each of `registryIds`, each
   * acting as the caller's registry, bound to the key `accessKeyId` as it is now (see
   * `tokenHonouredBy`).
   */
  async authorizationData(
    callerRegistryId: string,
    registryIds: string[],
    accessKeyId?: string,
  ): Promise<{ authorizationToken: string; expiresAt: Date; proxyEndpoint: string }[]> {
    // The row the call's authentication has just read (and the instance keeps a moment).
    const key = accessKeyId === undefined ? undefined : await this.keys.findActive(accessKeyId);
    if (accessKeyId !== undefined && !key) throw new UnrecognizedClientException();
    const expiresMs = Date.now() + TOKEN_TTL_SECONDS * 1000;
    const claims: RegistryTokenClaims = {
      registryId: callerRegistryId,
      expires: Math.floor(expiresMs / 1000),
      ...(key ? { accessKeyId: key.accessKeyId, keyDeactivations: key.deactivations } : {}),
    };
    // One entry per id asked for, but whichever id was asked for, the token acts as the
    // caller (registry-access.ts): the deprecated member does not widen the token's scope. Its
    // proxyEndpoint is that registry's host, as ECR answers `https://<id>.dkr.ecr…`: under
    // REGISTRY_HOST each account's own, else PUBLIC_URL, which serves the caller's registry.
    const scheme = new URL(this.config.publicUrl).protocol;
    return [...new Set(registryIds)].map((registryId) => ({
      authorizationToken: Buffer.from(`AWS:${this.issue(claims)}`).toString('base64'),
      expiresAt: new Date(expiresMs),
      proxyEndpoint: this.config.registryHost
        ? `${scheme}//${registryHostOf(this.config, registryId)}`
        : this.config.publicUrl,
    }));
  }
}

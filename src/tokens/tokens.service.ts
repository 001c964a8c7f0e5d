import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
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
  /** Epoch seconds. */
  expires: number;
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
  ) {}

  issue(claims: RegistryTokenClaims): string {
    const payload = Buffer.from(
      JSON.stringify({ r: claims.registryId, e: claims.expires, k: claims.accessKeyId }),
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
      const { r, e, k } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        r?: unknown;
        e?: unknown;
        k?: unknown;
      };
      if (typeof r !== 'string' || typeof e !== 'number') return undefined;
      if (k !== undefined && typeof k !== 'string') return undefined;
      const claims = { registryId: r, expires: e, ...(k !== undefined ? { accessKeyId: k } : {}) };
      if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
      this.verified.set(password, claims);
      return { claims, expired: e < now / 1000 };
    } catch {
      return undefined;
    }
  }

  /**
   * A registry token (the Docker API password) and its expiry for each of `registryIds`, each
   * acting as the caller's registry.
   */
  authorizationData(
    callerRegistryId: string,
    registryIds: string[],
    accessKeyId?: string,
  ): { authorizationToken: string; expiresAt: Date; proxyEndpoint: string }[] {
    const expiresMs = Date.now() + TOKEN_TTL_SECONDS * 1000;
    // One entry per id asked for, but whichever id was asked for, the token acts as the
    // caller (registry-access.ts): the deprecated member does not widen the token's scope.
    return [...new Set(registryIds)].map(() => ({
      authorizationToken: Buffer.from(
        `AWS:${this.issue({ registryId: callerRegistryId, expires: Math.floor(expiresMs / 1000), accessKeyId })}`,
      ).toString('base64'),
      expiresAt: new Date(expiresMs),
      proxyEndpoint: this.config.publicUrl,
    }));
  }
}

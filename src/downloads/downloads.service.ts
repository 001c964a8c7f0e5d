import { Inject, Injectable } from '@nestjs/common';
import { AccessDeniedException } from '../common/errors/registry-exception';
import { AccessKeysService } from '../auth/access-keys.service';
import { UnrecognizedClientException } from '../auth/auth.errors';
import { principalArnOf } from '../auth/principal';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { parseDigest } from '../crypto/digest';
import { SigningKeyService } from '../crypto/signing-key.service';
import { LayerInaccessibleException, LayersNotFoundException } from '../layers/layers.errors';
import { ImagesService } from '../images/images.service';
import { LayerContent, LayersService } from '../layers/layers.service';
import { PoliciesService } from '../policies/policies.service';
import { RepositoriesService } from '../repositories/repositories.service';

/** Real ECR's pre-signed layer URLs are valid for an hour. */
export const DOWNLOAD_URL_TTL_SECONDS = 3600;
// Versioned: a URL of the earlier, name-bound form no longer verifies.
const PURPOSE = 'layer-download-v2';

/**
 * What a download URL grants: one layer of one repository, by the repository's id (a repository
 * deleted and created again under its name is another one), to the access key that asked for it
 * as long as that key is not deactivated, until `expires` (epoch seconds).
 */
export interface DownloadGrant {
  repositoryId: string;
  digest: string;
  accessKeyId: string;
  /**
   * How many times the key had been deactivated when the URL was made; absent (read as 0) in
   * URLs made before keys counted their deactivations.
   */
  keyDeactivations?: number;
  expires: number;
}

/**
 * Hands out signed, expiring URLs to Berth's own download endpoint, and resolves them back to a
 * layer's bytes. The signature binds the repository's id, the digest, the access key that asked
 * and the expiry, so a URL reaches exactly one layer of one repository, on any instance, for as
 * long as its key stays active.
 */
@Injectable()
export class DownloadsService {
  constructor(
    private readonly layers: LayersService,
    private readonly images: ImagesService,
    private readonly repositories: RepositoriesService,
    private readonly signer: SigningKeyService,
    private readonly keys: AccessKeysService,
    private readonly policies: PoliciesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A signed URL to one layer of the repository, which an image of it must reference. */
  async downloadUrl(
    registryId: string,
    repositoryName: string,
    layerDigest: string,
    accessKeyId: string | undefined,
  ): Promise<{ downloadUrl: string; layerDigest: string }> {
    const repo = await this.repositories.require(registryId, repositoryName);
    const digest = parseDigest(layerDigest)?.digest ?? layerDigest.toLowerCase();
    const layer = await this.layers.findWithBlob(repo.id, digest);
    if (!layer) {
      throw new LayersNotFoundException(
        `The layer with digest '${layerDigest}' does not exist in the repository with name '${repo.name}' in the registry with id '${registryId}'`,
      );
    }
    if (!layer.referenced) {
      throw new LayerInaccessibleException(
        `The layer with digest '${layerDigest}' is not referenced by any image in the repository with name '${repo.name}' in the registry with id '${registryId}'`,
      );
    }
    return {
      downloadUrl: this.urlFor(await this.grant(repo.id, digest, accessKeyId)),
      layerDigest: digest,
    };
  }

  /**
   * A grant of `digest` in the repository `repositoryId` to `accessKeyId` as the key is now, for
   * the URL's lifetime.
   */
  async grant(
    repositoryId: string,
    digest: string,
    accessKeyId: string | undefined,
  ): Promise<DownloadGrant> {
    // Only a signed ECR call asks for a URL: the key that signed it is who the URL is for.
    if (accessKeyId === undefined) throw new Error('a download URL is granted to an access key');
    // The row the call's authentication has just read (and the instance keeps a moment).
    const key = await this.keys.findActive(accessKeyId);
    if (!key) throw new UnrecognizedClientException();
    const expires = Math.floor(Date.now() / 1000) + DOWNLOAD_URL_TTL_SECONDS;
    return { repositoryId, digest, accessKeyId, keyDeactivations: key.deactivations, expires };
  }

  /** The signed URL of a grant. */
  urlFor(grant: DownloadGrant): string {
    const query = new URLSearchParams({
      repositoryId: grant.repositoryId,
      digest: grant.digest,
      accessKeyId: grant.accessKeyId,
      ...(grant.keyDeactivations !== undefined
        ? { deactivations: String(grant.keyDeactivations) }
        : {}),
      expires: String(grant.expires),
      signature: this.signer.sign(PURPOSE, grantMessage(grant)),
    });
    return `${this.config.publicUrl}/layers/download?${query.toString()}`;
  }

  /**
   * Checks a URL's parameters and answers the layer it grants, or why it is refused: the grant
   * holds only while its key is active (within ACCESS_KEY_CACHE_TTL, as for a signed call) and
   * not deactivated since the URL was made, the layer is still in that very repository, and an
   * image there still references it.
   */
  async open(params: Record<string, unknown>): Promise<LayerContent> {
    const { repositoryId, digest, accessKeyId, deactivations, expires, signature } = params;
    if (
      typeof repositoryId !== 'string' ||
      typeof digest !== 'string' ||
      typeof accessKeyId !== 'string' ||
      typeof expires !== 'string' ||
      typeof signature !== 'string' ||
      !/^\d{1,19}$/.test(repositoryId) ||
      !/^\d{1,12}$/.test(expires) ||
      (deactivations !== undefined &&
        (typeof deactivations !== 'string' || !/^\d{1,9}$/.test(deactivations)))
    ) {
      throw new AccessDeniedException(
        'The download URL is incomplete; request a new one with GetDownloadUrlForLayer',
      );
    }
    const grant: DownloadGrant = {
      repositoryId,
      digest,
      accessKeyId,
      ...(deactivations !== undefined ? { keyDeactivations: Number(deactivations) } : {}),
      expires: Number(expires),
    };
    if (!this.signer.verify(PURPOSE, grantMessage(grant), signature)) {
      throw new AccessDeniedException(
        'The download URL signature does not match; the URL was altered',
      );
    }
    if (grant.expires < Date.now() / 1000) {
      throw new AccessDeniedException(
        `The download URL expired at ${new Date(grant.expires * 1000).toISOString()}; request a new one with GetDownloadUrlForLayer`,
      );
    }
    const key = await this.keys.findActive(accessKeyId);
    if (!key) {
      throw new AccessDeniedException(
        'The access key that requested this download URL is no longer active',
      );
    }
    // A key deactivated and then reactivated brings back none of the URLs made before.
    if (key.deactivations !== (grant.keyDeactivations ?? 0)) {
      throw new AccessDeniedException(
        'The access key that requested this download URL was deactivated since; request a new one with GetDownloadUrlForLayer',
      );
    }
    const layer = await this.layers.findWithBlob(repositoryId, digest);
    // A URL to another account's repository holds only while its policy still allows the key
    // GetDownloadUrlForLayer: a policy changed or deleted since takes the URL with it.
    if (layer && layer.registryId !== key.accountId) {
      await this.policies.authorizeRepositoryId(key, repositoryId, 'GetDownloadUrlForLayer');
    }
    // Gone with its repository (a repository created again under the name is another one).
    if (!layer) {
      throw new AccessDeniedException(
        'The layer of this download URL is no longer in the repository it was issued for; request a new one with GetDownloadUrlForLayer',
      );
    }
    if (!layer.referenced) {
      throw new AccessDeniedException(
        'The layer of this download URL is no longer referenced by any image in its repository',
      );
    }
    await this.repositories.requireReadableById(repositoryId);
    // A download is a pull of the images that reference the blob: recorded at most once a day,
    // so the row read above decides whether anything is written.
    if (layer.pullDue) {
      await this.images.recordBlobPull(
        repositoryId,
        layer.digest,
        principalArnOf(key.accountId, accessKeyId),
      );
    }
    return this.layers.contentOf(layer);
  }
}

/** What a URL's signature covers; a URL that names no deactivation count is signed as before. */
function grantMessage(g: DownloadGrant): string {
  const base = `${g.repositoryId}\n${g.digest}\n${g.accessKeyId}\n${g.expires}`;
  return g.keyDeactivations === undefined ? base : `${base}\n${g.keyDeactivations}`;
}

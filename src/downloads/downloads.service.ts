import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { AccessDeniedException } from '../common/errors/registry-exception';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { parseDigest } from '../crypto/digest';
import { SigningKeyService } from '../crypto/signing-key.service';
import { LayerInaccessibleException, LayersNotFoundException } from '../layers/layers.errors';
import { LayersService } from '../layers/layers.service';
import { RepositoriesService } from '../repositories/repositories.service';
import { BLOB_STORES, BlobStores } from '../storage/blob-store';

/** Real ECR's pre-signed layer URLs are valid for an hour. */
export const DOWNLOAD_URL_TTL_SECONDS = 3600;
const PURPOSE = 'layer-download';

export interface DownloadGrant {
  registryId: string;
  repositoryName: string;
  digest: string;
  expires: number;
}

export interface LayerContent {
  digest: string;
  size: number;
  open(start: number, end: number): Readable;
}

/**
 * Hands out signed, expiring URLs to Berth's own download endpoint, and resolves them back to a
 * layer's bytes. The signature binds registry, repository, digest and expiry, so a URL reaches
 * exactly one layer of one account's repository, on any instance.
 */
@Injectable()
export class DownloadsService {
  constructor(
    private readonly layers: LayersService,
    private readonly repositories: RepositoriesService,
    private readonly signer: SigningKeyService,
    @Inject(BLOB_STORES) private readonly stores: BlobStores,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A signed URL to one layer of the repository, which an image of it must reference. */
  async downloadUrl(
    registryId: string,
    repositoryName: string,
    layerDigest: string,
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
    const expires = Math.floor(Date.now() / 1000) + DOWNLOAD_URL_TTL_SECONDS;
    return {
      downloadUrl: this.urlFor({ registryId, repositoryName: repo.name, digest, expires }),
      layerDigest: digest,
    };
  }

  /** The signed URL of a grant. */
  urlFor(grant: DownloadGrant): string {
    const query = new URLSearchParams({
      registryId: grant.registryId,
      repositoryName: grant.repositoryName,
      digest: grant.digest,
      expires: String(grant.expires),
      signature: this.signer.sign(PURPOSE, grantMessage(grant)),
    });
    return `${this.config.publicUrl}/layers/download?${query.toString()}`;
  }

  /** Checks a URL's parameters and answers the layer it grants, or why it is refused. */
  async open(params: Record<string, unknown>): Promise<LayerContent> {
    const { registryId, repositoryName, digest, expires, signature } = params;
    if (
      typeof registryId !== 'string' ||
      typeof repositoryName !== 'string' ||
      typeof digest !== 'string' ||
      typeof expires !== 'string' ||
      typeof signature !== 'string' ||
      !/^\d{1,12}$/.test(expires)
    ) {
      throw new AccessDeniedException(
        'The download URL is incomplete; request a new one with GetDownloadUrlForLayer',
      );
    }
    const grant: DownloadGrant = { registryId, repositoryName, digest, expires: Number(expires) };
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
    const repo = await this.repositories.require(registryId, repositoryName);
    const layer = await this.layers.findWithBlob(repo.id, digest);
    if (!layer)
      throw new LayersNotFoundException(`The layer '${digest}' no longer exists in the repository`);
    const partSizes = layer.part_sizes.map(Number);
    const store = this.stores[layer.driver];
    return {
      digest: layer.digest,
      size: Number(layer.size),
      open: (start, end) => store.read(layer.storage_key, partSizes, start, end),
    };
  }
}

function grantMessage(g: DownloadGrant): string {
  return `${g.registryId}\n${g.repositoryName}\n${g.digest}\n${g.expires}`;
}

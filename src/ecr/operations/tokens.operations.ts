import type {
  GetAuthorizationTokenResponse,
  GetDownloadUrlForLayerResponse,
} from '@aws-sdk/client-ecr';
import { Injectable } from '@nestjs/common';
import { DownloadsService } from '../../downloads/downloads.service';
import { TokensService } from '../../tokens/tokens.service';
import { GetAuthorizationTokenRequest, GetDownloadUrlForLayerRequest } from '../dto/image-requests';
import type { EcrCallContext } from '../ecr-call-context';
import { EcrOperation } from '../ecr-operation.decorator';

/** GetAuthorizationToken and GetDownloadUrlForLayer: credentials for the other doors. */
@Injectable()
export class TokensOperations {
  constructor(
    private readonly tokens: TokensService,
    private readonly downloads: DownloadsService,
  ) {}

  // A token is good for 12 hours: it is issued only against the key's current row, so that,
  // like every other call, it needs the database (none is issued during an outage).
  @EcrOperation('GetAuthorizationToken', GetAuthorizationTokenRequest, { currentKey: true })
  getAuthorizationToken(
    input: GetAuthorizationTokenRequest,
    ctx: EcrCallContext,
  ): Promise<GetAuthorizationTokenResponse> {
    return this.tokens
      .authorizationData(ctx.registryId, input.registryIds ?? [ctx.registryId], ctx.accessKeyId)
      .then((authorizationData) => ({ authorizationData }));
  }

  @EcrOperation('GetDownloadUrlForLayer', GetDownloadUrlForLayerRequest)
  getDownloadUrl(
    input: GetDownloadUrlForLayerRequest,
    ctx: EcrCallContext,
  ): Promise<GetDownloadUrlForLayerResponse> {
    return this.downloads.downloadUrl(
      ctx.registryId,
      input.repositoryName,
      input.layerDigest,
      ctx.accessKeyId,
    );
  }
}

import type { Repository } from '@aws-sdk/client-ecr';
import type { RepositoryEntity } from '../../repositories/entities/repository.entity';

/** The ECR `Repository` shape of a stored repository. */
export function repositoryShape(
  repo: RepositoryEntity,
  region: string,
  registryHost: string,
): Repository {
  return {
    repositoryArn: `arn:aws:ecr:${region}:${repo.registryId}:repository/${repo.name}`,
    registryId: repo.registryId,
    repositoryName: repo.name,
    repositoryUri: `${registryHost}/${repo.name}`,
    createdAt: repo.createdAt,
    imageTagMutability: repo.imageTagMutability as Repository['imageTagMutability'],
    // Only the *_WITH_EXCLUSION settings have filters; the others answer none.
    ...(repo.imageTagMutabilityExclusionFilters.length > 0
      ? { imageTagMutabilityExclusionFilters: repo.imageTagMutabilityExclusionFilters }
      : {}),
    imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
    encryptionConfiguration: {
      encryptionType: repo.encryptionType as 'AES256',
      ...(repo.kmsKey ? { kmsKey: repo.kmsKey } : {}),
    },
  };
}

import { RepositoryEntity } from './entities/repository.entity';

/** The ECR `Repository` shape of a stored repository. */
export function repositoryView(
  repo: RepositoryEntity,
  region: string,
  publicHost: string,
): Record<string, unknown> {
  return {
    repositoryArn: `arn:aws:ecr:${region}:${repo.registryId}:repository/${repo.name}`,
    registryId: repo.registryId,
    repositoryName: repo.name,
    repositoryUri: `${publicHost}/${repo.name}`,
    createdAt: repo.createdAt,
    imageTagMutability: repo.imageTagMutability,
    imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
    encryptionConfiguration: {
      encryptionType: repo.encryptionType,
      ...(repo.kmsKey ? { kmsKey: repo.kmsKey } : {}),
    },
  };
}

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

/** A `repositories` row as PostgreSQL returns it. */
export interface RepositoryRow {
  id: string;
  registry_id: string;
  name: string;
  image_tag_mutability: string;
  scan_on_push: boolean;
  encryption_type: string;
  kms_key: string | null;
  tags: RepositoryEntity['tags'];
  created_at: Date;
}

export function repositoryFromRow(row: RepositoryRow): RepositoryEntity {
  return Object.assign(new RepositoryEntity(), {
    id: row.id,
    registryId: row.registry_id,
    name: row.name,
    imageTagMutability: row.image_tag_mutability,
    scanOnPush: row.scan_on_push,
    encryptionType: row.encryption_type,
    kmsKey: row.kms_key,
    tags: row.tags,
    createdAt: row.created_at,
  });
}

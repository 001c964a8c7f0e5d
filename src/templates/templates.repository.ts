import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { REPOSITORY_CREATION_TEMPLATES_PKEY } from '../database/constraints';
import type { RepositoryTag } from '../repositories/entities/repository.entity';
import type { TagMutabilityExclusionFilter } from '../repositories/tag-mutability';

/** A template's settings, as stored. */
export interface TemplateSettings {
  description: string | null;
  appliedFor: string[];
  encryptionType: string | null;
  kmsKey: string | null;
  resourceTags: RepositoryTag[];
  imageTagMutability: string;
  imageTagMutabilityExclusionFilters: TagMutabilityExclusionFilter[];
  repositoryPolicy: string | null;
  lifecyclePolicy: string | null;
  customRoleArn: string | null;
}

/** A repository creation template. */
export interface TemplateRecord extends TemplateSettings {
  registryId: string;
  prefix: string;
  createdAt: Date;
  updatedAt: Date;
}

interface TemplateRow {
  registry_id: string;
  prefix: string;
  description: string | null;
  applied_for: string[];
  encryption_type: string | null;
  kms_key: string | null;
  resource_tags: RepositoryTag[];
  image_tag_mutability: string;
  image_tag_mutability_exclusion_filters: TagMutabilityExclusionFilter[];
  repository_policy: string | null;
  lifecycle_policy: string | null;
  custom_role_arn: string | null;
  created_at: Date;
  updated_at: Date;
}

const toRecord = (row: TemplateRow): TemplateRecord => ({
  registryId: row.registry_id,
  prefix: row.prefix,
  description: row.description,
  appliedFor: row.applied_for,
  encryptionType: row.encryption_type,
  kmsKey: row.kms_key,
  resourceTags: row.resource_tags,
  imageTagMutability: row.image_tag_mutability,
  imageTagMutabilityExclusionFilters: row.image_tag_mutability_exclusion_filters,
  repositoryPolicy: row.repository_policy,
  lifecyclePolicy: row.lifecycle_policy,
  customRoleArn: row.custom_role_arn,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const values = (s: TemplateSettings): unknown[] => [
  s.description,
  JSON.stringify(s.appliedFor),
  s.encryptionType,
  s.kmsKey,
  JSON.stringify(s.resourceTags),
  s.imageTagMutability,
  JSON.stringify(s.imageTagMutabilityExclusionFilters),
  s.repositoryPolicy,
  s.lifecyclePolicy,
  s.customRoleArn,
];

/** The SQL of the templates module. */
@Injectable()
export class TemplatesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Holds the registry's templates for a change of their number, until the transaction of `m`
   * ends: creators of one registry take turns counting (no other lock is held with it).
   */
  async serialiseCreations(m: EntityManager, registryId: string): Promise<void> {
    await m.query(
      "SELECT pg_advisory_xact_lock(hashtext('repository_creation_templates'), hashtext($1))",
      [registryId],
    );
  }

  async count(m: EntityManager, registryId: string): Promise<number> {
    const rows = await m.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM repository_creation_templates WHERE registry_id = $1',
      [registryId],
    );
    return rows[0].n;
  }

  /** Inserts the template, or answers undefined when the registry has one of that prefix. */
  async insert(
    m: EntityManager,
    registryId: string,
    prefix: string,
    settings: TemplateSettings,
  ): Promise<TemplateRecord | undefined> {
    const rows = await m.query<TemplateRow[]>(
      `INSERT INTO repository_creation_templates
           (registry_id, prefix, description, applied_for, encryption_type, kms_key, resource_tags,
            image_tag_mutability, image_tag_mutability_exclusion_filters, repository_policy,
            lifecycle_policy, custom_role_arn)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8, $9::jsonb, $10, $11, $12)
         ON CONFLICT ON CONSTRAINT ${REPOSITORY_CREATION_TEMPLATES_PKEY} DO NOTHING
         RETURNING *`,
      [registryId, prefix, ...values(settings)],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async find(
    registryId: string,
    prefix: string,
    m: EntityManager = this.dataSource.manager,
    forUpdate = false,
  ): Promise<TemplateRecord | undefined> {
    const rows = await m.query<TemplateRow[]>(
      `SELECT * FROM repository_creation_templates WHERE registry_id = $1 AND prefix = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [registryId, prefix],
    );
    return rows[0] && toRecord(rows[0]);
  }

  /** Those of `prefixes` the registry has a template for that applies to `purpose`. */
  async findApplying(
    registryId: string,
    prefixes: string[],
    purpose: string,
  ): Promise<TemplateRecord[]> {
    const rows = await this.dataSource.query<TemplateRow[]>(
      `SELECT * FROM repository_creation_templates
        WHERE registry_id = $1 AND prefix = ANY($2) AND applied_for ? $3`,
      [registryId, prefixes, purpose],
    );
    return rows.map(toRecord);
  }

  /** Up to `limit` templates by prefix after `after`, only those of `prefixes` when given. */
  async page(
    registryId: string,
    prefixes: string[] | undefined,
    limit: number,
    after?: string,
  ): Promise<TemplateRecord[]> {
    const rows = await this.dataSource.query<TemplateRow[]>(
      `SELECT * FROM repository_creation_templates
        WHERE registry_id = $1 AND ($2::text[] IS NULL OR prefix = ANY($2))
          AND ($3::text IS NULL OR prefix COLLATE "C" > $3)
        ORDER BY prefix COLLATE "C" LIMIT $4`,
      [registryId, prefixes ?? null, after ?? null, limit],
    );
    return rows.map(toRecord);
  }

  async update(
    m: EntityManager,
    registryId: string,
    prefix: string,
    settings: TemplateSettings,
  ): Promise<TemplateRecord> {
    const rows = await m.query<[TemplateRow[], number]>(
      `UPDATE repository_creation_templates
          SET description = $3, applied_for = $4::jsonb, encryption_type = $5, kms_key = $6,
              resource_tags = $7::jsonb, image_tag_mutability = $8,
              image_tag_mutability_exclusion_filters = $9::jsonb, repository_policy = $10,
              lifecycle_policy = $11, custom_role_arn = $12, updated_at = now()
        WHERE registry_id = $1 AND prefix = $2
        RETURNING *`,
      [registryId, prefix, ...values(settings)],
    );
    return toRecord(rows[0][0]);
  }

  async delete(registryId: string, prefix: string): Promise<TemplateRecord | undefined> {
    const [rows] = await this.dataSource.query<[TemplateRow[], number]>(
      `DELETE FROM repository_creation_templates WHERE registry_id = $1 AND prefix = $2
       RETURNING *`,
      [registryId, prefix],
    );
    return rows[0] && toRecord(rows[0]);
  }
}

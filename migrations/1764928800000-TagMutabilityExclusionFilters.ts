import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A repository's tag mutability exclusion filters (`[{ filterType, filter }]`, in the order
 * given), beside its `image_tag_mutability`, which may now also read `IMMUTABLE_WITH_EXCLUSION`
 * or `MUTABLE_WITH_EXCLUSION`. Existing repositories have none.
 */
export class TagMutabilityExclusionFilters1764928800000 implements MigrationInterface {
  name = 'TagMutabilityExclusionFilters1764928800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE repositories
         ADD COLUMN image_tag_mutability_exclusion_filters jsonb NOT NULL DEFAULT '[]'::jsonb`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE repositories DROP COLUMN image_tag_mutability_exclusion_filters');
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Storage objects may be kept by the `s3` driver too (a bucket of an S3-compatible service). */
export class S3StorageObjects1765300000000 implements MigrationInterface {
  name = 'S3StorageObjects1765300000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE storage_objects DROP CONSTRAINT storage_objects_driver_check');
    await q.query(
      `ALTER TABLE storage_objects ADD CONSTRAINT storage_objects_driver_check
         CHECK (driver IN ('filesystem', 'postgres', 's3'))`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE storage_objects DROP CONSTRAINT storage_objects_driver_check');
    await q.query(
      `ALTER TABLE storage_objects ADD CONSTRAINT storage_objects_driver_check
         CHECK (driver IN ('filesystem', 'postgres'))`,
    );
  }
}

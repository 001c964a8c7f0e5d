import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, ConfigError } from '../config/app-config';
import { BLOB_STORES, BlobStores } from './blob-store';
import { FilesystemBlobStore } from './filesystem-blob.store';
import { PostgresBlobStore } from './postgres-blob.store';
import { S3BlobStore, s3Client } from './s3-blob.store';
import { StorageGcService } from './storage-gc.service';
import { StorageRepository } from './storage.repository';
import { UnconfiguredBlobStore } from './unconfigured-blob.store';

/**
 * The blob storage port: every driver (objects are read by the driver that wrote them). The s3
 * driver is there once S3_BUCKET is set; with BLOB_STORE=s3 its bucket must be reachable and
 * writable before the instance starts.
 */
@Global()
@Module({
  providers: [
    {
      provide: BLOB_STORES,
      inject: [APP_CONFIG, DataSource],
      useFactory: async (config: AppConfig, dataSource: DataSource): Promise<BlobStores> => {
        const s3 = config.s3
          ? new S3BlobStore(s3Client(config.s3), config.s3.bucket, config.s3.prefix)
          : new UnconfiguredBlobStore('s3', 'S3_BUCKET is not set');
        if (config.blobStore === 's3' && s3 instanceof S3BlobStore) {
          try {
            await s3.verify();
          } catch (err) {
            const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
            throw new ConfigError([
              `S3_BUCKET=${JSON.stringify(config.s3!.bucket)}: the bucket is not reachable and writable` +
                ` (S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY): ${reason}`,
            ]);
          }
        }
        return {
          filesystem: new FilesystemBlobStore(config.blobDir),
          postgres: new PostgresBlobStore(dataSource),
          s3,
        };
      },
    },
    StorageRepository,
    StorageGcService,
  ],
  exports: [BLOB_STORES, StorageGcService],
})
export class StorageModule {}

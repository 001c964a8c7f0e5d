import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BLOB_STORES, BlobStores } from './blob-store';
import { FilesystemBlobStore } from './filesystem-blob.store';
import { PostgresBlobStore } from './postgres-blob.store';
import { StorageGcService } from './storage-gc.service';
import { StorageRepository } from './storage.repository';

/** The blob storage port: both drivers (objects are read by the driver that wrote them). */
@Global()
@Module({
  providers: [
    {
      provide: BLOB_STORES,
      inject: [APP_CONFIG, DataSource],
      useFactory: (config: AppConfig, dataSource: DataSource): BlobStores => ({
        filesystem: new FilesystemBlobStore(config.blobDir),
        postgres: new PostgresBlobStore(dataSource),
      }),
    },
    StorageRepository,
    StorageGcService,
  ],
  exports: [BLOB_STORES, StorageGcService],
})
export class StorageModule {}

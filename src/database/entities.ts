import { AccessKeyEntity } from '../auth/entities/access-key.entity';
import { AccountEntity } from '../auth/entities/account.entity';
import { BlobEntity } from '../layers/entities/blob.entity';
import { ImageTagEntity } from '../images/entities/image-tag.entity';
import { ImageEntity } from '../images/entities/image.entity';
import { LayerEntity } from '../layers/entities/layer.entity';
import { RepositoryEntity } from '../repositories/entities/repository.entity';
import { BlobChunkEntity } from '../storage/entities/blob-chunk.entity';
import { StorageObjectEntity } from '../storage/entities/storage-object.entity';
import { UploadEntity } from '../uploads/entities/upload.entity';

/** Every TypeORM entity of the service. */
export const ALL_ENTITIES = [
  RepositoryEntity,
  StorageObjectEntity,
  BlobChunkEntity,
  UploadEntity,
  BlobEntity,
  LayerEntity,
  ImageEntity,
  ImageTagEntity,
  AccountEntity,
  AccessKeyEntity,
];

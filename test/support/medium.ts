import { Test, TestingModule } from '@nestjs/testing';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { AppConfig, BlobStoreDriver, loadConfig } from '../../src/config/app-config';
import { AccountsService } from '../../src/auth/accounts.service';
import { AuthModule } from '../../src/auth/auth.module';
import { ConfigModule } from '../../src/config/config.module';
import { CryptoModule } from '../../src/crypto/crypto.module';
import { DatabaseModule } from '../../src/database/database.module';
import { ImagesModule } from '../../src/images/images.module';
import { ImageId, ImagesService, ServedImage } from '../../src/images/images.service';
import { OCI_INDEX, OCI_MANIFEST } from '../../src/images/manifest';
import { LayersModule } from '../../src/layers/layers.module';
import { LayersService } from '../../src/layers/layers.service';
import { LoggingModule } from '../../src/logging/logging.module';
import { RepositoriesModule } from '../../src/repositories/repositories.module';
import { RepositoriesService } from '../../src/repositories/repositories.service';
import { StorageGcService } from '../../src/storage/storage-gc.service';
import { StorageModule } from '../../src/storage/storage.module';
import { UploadsModule } from '../../src/uploads/uploads.module';
import { PartRules, STRICT_PARTS, UploadsService } from '../../src/uploads/uploads.service';
import { TEST_AUTH_ENV } from './app';
import { createTestDatabase, TestDatabase } from './database';
import { objectDir } from './storage-check';

/**
 * The domain tier (test/medium/*.medium-spec.ts): the domain modules alone in a Nest testing
 * module, on a clone of the migrated template database (test/support/database.ts) and a
 * temporary data directory, with no HTTP server and no front door. Services are driven directly;
 * what they leave behind is read with `pg`.
 *
 * Every call into UploadsService and ImagesService goes through the helpers below, so that a
 * change of those services' signatures is absorbed here and the specs keep saying what they
 * prove.
 */
export interface Medium {
  driver: BlobStoreDriver;
  config: AppConfig;
  /** The account whose repositories the helpers create and use. */
  registryId: string;
  db: TestDatabase;
  /**
   * The filesystem driver's root, shared by the file's starts (both drivers are wired in each;
   * `driver` is the one new uploads use).
   */
  blobDir: string;
  module: TestingModule;
  uploads: UploadsService;
  images: ImagesService;
  layers: LayersService;
  repositories: RepositoriesService;
  storageGc: StorageGcService;
  /** A connection of its own to the test's database, for reading what the services stored. */
  pg: Client;
  close(): Promise<void>;
}

/**
 * What the domain modules of one test file share, as the instances of a deployment do: a fresh
 * database cloned from the migrated template, and one data directory (the filesystem driver's
 * blob root). Cloning and dropping a database cost the most of a file's start, so a file makes
 * one and starts the modules of each driver on it.
 */
export interface MediumStore {
  db: TestDatabase;
  dataDir: string;
  drop(): Promise<void>;
}

export async function createMediumStore(): Promise<MediumStore> {
  const db = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-medium-'));
  return {
    db,
    dataDir,
    drop: async () => {
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts the domain modules on `store` with `driver` for new uploads; `env` adds or overrides
 * configuration (MAX_LAYER_SIZE, MAX_LAYER_PARTS, ...), as Berth reads it. Each start has an
 * account of its own.
 */
export async function startMedium(
  store: MediumStore,
  driver: BlobStoreDriver,
  env: Record<string, string> = {},
): Promise<Medium> {
  const { db } = store;
  const config: AppConfig = {
    ...loadConfig({
      LOG_LEVEL: process.env.BERTH_TEST_LOG_LEVEL ?? 'fatal',
      ...TEST_AUTH_ENV,
      ...env,
      BLOB_STORE: driver,
      DATA_DIR: store.dataDir,
    }),
    databaseUrl: db.url,
  };
  let module: TestingModule | undefined;
  const pg = new Client({ connectionString: db.url });
  try {
    module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        CryptoModule,
        AuthModule,
        StorageModule,
        RepositoriesModule,
        LayersModule,
        UploadsModule,
        ImagesModule,
      ],
    }).compile();
    // init() runs what the application's start runs (the schedulers arm their timers, the layer
    // cache starts listening); close() stops them and closes the pool (DatabaseModule).
    await module.init();
    await pg.connect();
  } catch (err) {
    await module?.close();
    await pg.end().catch(() => undefined);
    throw err;
  }
  const started = module;
  // A registry of its own: what a test creates is all there is in it.
  const account = await started.get(AccountsService).create({ name: 'medium' });
  return {
    driver,
    config,
    registryId: account.id,
    db,
    blobDir: config.blobDir,
    module: started,
    uploads: started.get(UploadsService),
    images: started.get(ImagesService),
    layers: started.get(LayersService),
    repositories: started.get(RepositoriesService),
    storageGc: started.get(StorageGcService),
    pg,
    close: async () => {
      await pg.end();
      await started.close();
    },
  };
}

let repositoryCount = 0;

/** A new repository of its own for one test (so tests of a file share a database safely). */
export async function createRepository(
  medium: Medium,
  options: { immutableTags?: boolean } = {},
): Promise<string> {
  const name = `medium/repo-${process.pid}-${++repositoryCount}`;
  await medium.repositories.create({
    registryId: medium.registryId,
    name,
    imageTagMutability: options.immutableTags ? 'IMMUTABLE' : 'MUTABLE',
  });
  return name;
}

export function sha256Of(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export const MiB = 1024 * 1024;

/** `size` random bytes: no two layers of a run share content unless a test means them to. */
export function randomLayer(size: number): Buffer {
  return randomBytes(size);
}

// --- Uploads ---------------------------------------------------------------------------------

export async function initiateUpload(medium: Medium, repositoryName: string): Promise<string> {
  const { uploadId } = await medium.uploads.initiate(medium.registryId, repositoryName);
  return uploadId;
}

export interface AppendOptions {
  /** STRICT_PARTS (one append, one part of at most 20 MiB) unless given. */
  rules?: PartRules;
  /** Where the bytes start, as the client says; unchecked when absent. */
  at?: number;
  /** How many bytes the client says it sends. */
  declared?: { bytes: number; said: string };
  /** Runs before each commit; throwing refuses the bytes not yet committed. */
  beforeCommit?: () => Promise<void>;
}

/**
 * Appends `body` (all of it, or a stream read as it arrives) to the upload under `rules`;
 * answers the bytes the upload now holds.
 */
export function append(
  medium: Medium,
  repositoryName: string,
  uploadId: string,
  body: Buffer | AsyncIterable<Buffer>,
  options: AppendOptions = {},
): Promise<{ bytesReceived: number }> {
  return medium.uploads.append({
    registryId: medium.registryId,
    repositoryName,
    uploadId,
    rules: options.rules ?? STRICT_PARTS,
    start: options.at,
    body,
    ...(options.declared ? { declared: options.declared } : {}),
    ...(options.beforeCommit ? { beforeCommit: options.beforeCommit } : {}),
  });
}

/** Where the upload stands: the bytes it holds (UploadNotFoundException when it is gone). */
export function uploadStatus(
  medium: Medium,
  repositoryName: string,
  uploadId: string,
): Promise<{ bytesReceived: number }> {
  return medium.uploads.status(medium.registryId, repositoryName, uploadId);
}

/** The sizes of the parts the upload holds, as recorded. */
export async function uploadParts(medium: Medium, uploadId: string): Promise<number[]> {
  const { rows } = await medium.pg.query<{ part_sizes: string[] }>(
    'SELECT part_sizes FROM uploads WHERE id = $1',
    [uploadId],
  );
  if (rows.length === 0) throw new Error(`no upload ${uploadId}`);
  return rows[0].part_sizes.map(Number);
}

/**
 * Completes the upload into a layer with the digest the client computed, under `rules`
 * (STRICT_PARTS unless given); `created` is false when the repository already had the layer.
 */
export async function completeUpload(
  medium: Medium,
  repositoryName: string,
  uploadId: string,
  digest: string,
  rules: PartRules = STRICT_PARTS,
): Promise<{ digest: string; created: boolean }> {
  return medium.uploads.complete({
    registryId: medium.registryId,
    repositoryName,
    uploadId,
    layerDigests: [digest],
    rules,
  });
}

export function cancelUpload(
  medium: Medium,
  repositoryName: string,
  uploadId: string,
): Promise<void> {
  return medium.uploads.cancel(medium.registryId, repositoryName, uploadId);
}

/** Removes an upload as an operator or its expiry does; false when it was gone already. */
export function abortUpload(medium: Medium, uploadId: string): Promise<boolean> {
  return medium.uploads.abort(uploadId);
}

/** One upload of `data` in one part, completed; answers the layer's digest. */
export async function pushLayer(
  medium: Medium,
  repositoryName: string,
  data: Buffer,
): Promise<string> {
  const uploadId = await initiateUpload(medium, repositoryName);
  await append(medium, repositoryName, uploadId, data, { at: 0 });
  return (await completeUpload(medium, repositoryName, uploadId, sha256Of(data))).digest;
}

/** The layer's bytes as the storage driver reads them back. */
export async function readLayer(
  medium: Medium,
  repositoryName: string,
  digest: string,
): Promise<Buffer> {
  const repo = await medium.repositories.require(medium.registryId, repositoryName);
  const content = await medium.layers.content(repo.id, digest);
  if (!content) throw new Error(`${digest} is not a layer of ${repositoryName}`);
  if (content.size === 0) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of content.open(0, content.size - 1)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// --- Manifests -------------------------------------------------------------------------------

/** An OCI image manifest of a config and layers (blobs that must be layers of the repository). */
export function imageManifest(config: Buffer, layers: Buffer[], annotation?: string): string {
  const descriptor = (mediaType: string, data: Buffer) => ({
    mediaType,
    digest: sha256Of(data),
    size: data.length,
  });
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor('application/vnd.oci.image.config.v1+json', config),
    layers: layers.map((l) => descriptor('application/vnd.oci.image.layer.v1.tar', l)),
    ...(annotation ? { annotations: { 'org.example.note': annotation } } : {}),
  });
}

/** An OCI index of the manifests given (which must be images of the repository). */
export function indexManifest(children: string[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: children.map((m) => ({
      mediaType: OCI_MANIFEST,
      digest: sha256Of(Buffer.from(m, 'utf8')),
      size: Buffer.byteLength(m, 'utf8'),
    })),
  });
}

/**
 * Pushes the config and layers of an image (each a fresh upload) and answers its manifest,
 * ready to put; `annotation` makes manifests of the same blobs differ.
 */
export async function pushImageBlobs(
  medium: Medium,
  repositoryName: string,
  layerCount = 1,
  annotation?: string,
): Promise<string> {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', n: Math.random() }),
  );
  const layers = Array.from({ length: layerCount }, () => randomLayer(1024));
  for (const blob of [config, ...layers]) await pushLayer(medium, repositoryName, blob);
  return imageManifest(config, layers, annotation);
}

/**
 * Stores a manifest, with its tag when given; `created` is false when the repository already had
 * it under that tag, or untagged when none is given ("already there").
 */
export async function putManifest(
  medium: Medium,
  repositoryName: string,
  manifest: string,
  tag?: string,
): Promise<{ digest: string; created: boolean }> {
  const { digest, created } = await medium.images.put({
    registryId: medium.registryId,
    repositoryName,
    manifest,
    ...(tag !== undefined ? { tag } : {}),
  });
  return { digest, created };
}

/** The manifest an id names, as stored; undefined when it is not found. */
export async function getManifest(
  medium: Medium,
  repositoryName: string,
  id: ImageId,
): Promise<ServedImage | undefined> {
  const { images } = await medium.images.batchGet(medium.registryId, repositoryName, [id]);
  return images[0];
}

export function deleteImages(
  medium: Medium,
  repositoryName: string,
  ids: ImageId[],
): ReturnType<ImagesService['batchDelete']> {
  return medium.images.batchDelete(medium.registryId, repositoryName, ids);
}

// --- What is stored --------------------------------------------------------------------------

/** The repository's id, for the queries below. */
export async function repositoryId(medium: Medium, repositoryName: string): Promise<string> {
  return (await medium.repositories.require(medium.registryId, repositoryName)).id;
}

/** The tag rows of the repository: tag and the digest of the image each names. */
export async function tagRows(
  medium: Medium,
  repositoryName: string,
): Promise<{ tag: string; digest: string }[]> {
  const { rows } = await medium.pg.query<{ tag: string; digest: string }>(
    `SELECT t.tag, i.digest FROM image_tags t JOIN images i ON i.id = t.image_id
      WHERE t.repository_id = $1 ORDER BY t.tag, i.digest`,
    [await repositoryId(medium, repositoryName)],
  );
  return rows;
}

/** The digests of the repository's images. */
export async function imageDigests(medium: Medium, repositoryName: string): Promise<string[]> {
  const { rows } = await medium.pg.query<{ digest: string }>(
    'SELECT digest FROM images WHERE repository_id = $1 ORDER BY digest',
    [await repositoryId(medium, repositoryName)],
  );
  return rows.map((r) => r.digest);
}

/** The storage object each upload writes into, by upload id. */
export async function uploadStorageKeys(
  medium: Medium,
  uploadIds: string[],
): Promise<Map<string, string>> {
  const { rows } = await medium.pg.query<{ id: string; storage_key: string }>(
    'SELECT id, storage_key FROM uploads WHERE id = ANY($1::uuid[])',
    [uploadIds],
  );
  return new Map(rows.map((r) => [r.id, r.storage_key]));
}

/** Which of `keys` still hold bytes: rows of `storage_objects`, and files or `blob_chunks`. */
export async function storedObjects(
  medium: Medium,
  keys: string[],
): Promise<{ rows: string[]; bytes: string[] }> {
  const objects = await medium.pg.query<{ key: string }>(
    'SELECT key FROM storage_objects WHERE key = ANY($1::uuid[]) ORDER BY key',
    [keys],
  );
  const chunks = await medium.pg.query<{ storage_key: string }>(
    'SELECT DISTINCT storage_key FROM blob_chunks WHERE storage_key = ANY($1::uuid[])',
    [keys],
  );
  const onDisk = keys.filter((k) => fs.existsSync(objectDir(medium.blobDir, k)));
  const bytes = [...new Set([...chunks.rows.map((r) => r.storage_key), ...onDisk])].sort();
  return { rows: objects.rows.map((r) => r.key), bytes };
}

/** The blob rows of `digest` (one per content, whatever the repositories), with their object. */
export async function blobRows(
  medium: Medium,
  digest: string,
): Promise<{ digest: string; storage_key: string }[]> {
  const { rows } = await medium.pg.query<{ digest: string; storage_key: string }>(
    'SELECT digest, storage_key FROM blobs WHERE digest = $1',
    [digest],
  );
  return rows;
}

/** The layer rows of `digest` in the repository. */
export async function layerCount(
  medium: Medium,
  repositoryName: string,
  digest: string,
): Promise<number> {
  const { rows } = await medium.pg.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM layers WHERE repository_id = $1 AND digest = $2',
    [await repositoryId(medium, repositoryName), digest],
  );
  return rows[0].n;
}

/**
 * Collects unreferenced storage objects until `settled` holds: a completion or an abort also
 * starts a collection in the background, which may hold some rows (SKIP LOCKED) for a moment.
 */
export async function collectUntil(
  medium: Medium,
  settled: () => Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await medium.storageGc.collect(0, 100);
    if (await settled()) return;
    if (Date.now() > deadline) throw new Error('storage did not settle');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A row lock a test holds from a connection of its own, to order the callers that queue on it. */
export interface HeldLock {
  /** Resolves once `n` backends of the test's database wait for a lock. */
  waiters(n: number, timeoutMs?: number): Promise<void>;
  release(): Promise<void>;
}

/**
 * Holds the upload's row lock (`FOR UPDATE`, as every step of an upload takes it) until
 * released: the callers that arrive meanwhile queue on it and get it in their order of arrival.
 */
export async function holdUploadLock(medium: Medium, uploadId: string): Promise<HeldLock> {
  const client = new Client({ connectionString: medium.db.url });
  await client.connect();
  await client.query('BEGIN');
  const { rowCount } = await client.query('SELECT 1 FROM uploads WHERE id = $1 FOR UPDATE', [
    uploadId,
  ]);
  if (rowCount !== 1) throw new Error(`no upload ${uploadId} to lock`);
  return {
    waiters: async (n, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await medium.pg.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (rows[0].n >= n) return;
        if (Date.now() > deadline) throw new Error(`${rows[0].n} waiters, not ${n}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    release: async () => {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

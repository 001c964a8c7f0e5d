import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  CompleteLayerUploadCommandInput,
  CreateRepositoryCommand,
  ECRClient,
  InitiateLayerUploadCommand,
  InitiateLayerUploadCommandInput,
  UploadLayerPartCommand,
  UploadLayerPartCommandInput,
} from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import { Client } from 'pg';
import { UploadsService } from '../src/uploads/uploads.service';
import { BLOB_STORES, BlobStores } from '../src/storage/blob-store';
import { FilesystemBlobStore } from '../src/storage/filesystem-blob.store';
import { rawCall, startTestApp, target, TEST_CREDENTIALS, TestApp } from './support/app';
import { bucketContents } from './support/s3-check';
import { objectKeysOnDisk } from './support/storage-check';
import { driverEnv } from './support/swift';
import {
  complete,
  errorOf,
  initiate,
  layerBytes,
  MiB,
  pushLayer,
  sha256Digest,
  uploadPart,
} from './support/layers';

const NAME_PATTERN = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';
const UPLOAD_ID_PATTERN =
  '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const ZERO_UUID = '00000000-0000-4000-8000-000000000000';

const DRIVERS = ['filesystem', 'postgres', 's3'] as const;

describe.each(DRIVERS)('the layer upload flow, %s driver', (driver) => {
  let t: TestApp;
  let ecr: ECRClient;
  let db: Client;
  const repo = 'flow/app';

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await db.query<{ n: string }>(sql, params)).rows[0].n);

  beforeAll(async () => {
    t = await startTestApp({ ...(await driverEnv(driver)), MAX_LAYER_SIZE: String(64 * MiB) });
    ecr = t.client();
    db = new Client({ connectionString: t.db.url });
    await db.connect();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'flow/other' }));
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('pushes a three-part layer and reports it AVAILABLE with its exact size', async () => {
    const data = layerBytes(11 * MiB + 7);
    const init = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: repo }));
    expect(init.partSize).toBe(10485760);
    expect(init.uploadId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const uploadId = init.uploadId!;
    const part = await ecr.send(
      new UploadLayerPartCommand({
        repositoryName: repo,
        uploadId,
        partFirstByte: 0,
        partLastByte: 5 * MiB - 1,
        layerPartBlob: data.subarray(0, 5 * MiB),
      }),
    );
    expect(part).toMatchObject({
      registryId: t.config.registryId,
      repositoryName: repo,
      uploadId,
      lastByteReceived: 5 * MiB - 1,
    });
    await uploadPart(ecr, repo, uploadId, data.subarray(5 * MiB, 10 * MiB), 5 * MiB);
    await uploadPart(ecr, repo, uploadId, data.subarray(10 * MiB), 10 * MiB);
    const out = await ecr.send(
      new CompleteLayerUploadCommand({
        repositoryName: repo,
        uploadId,
        layerDigests: [sha256Digest(data)],
      }),
    );
    expect(out).toMatchObject({
      registryId: t.config.registryId,
      repositoryName: repo,
      uploadId,
      layerDigest: sha256Digest(data),
    });
    const check = await ecr.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: repo,
        layerDigests: [sha256Digest(data)],
      }),
    );
    expect(check.layers).toEqual([
      {
        layerDigest: sha256Digest(data),
        layerAvailability: 'AVAILABLE',
        layerSize: 11 * MiB + 7,
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      },
    ]);
    expect(check.failures).toEqual([]);
    // Completing consumed the upload.
    const again = await errorOf(complete(ecr, repo, uploadId, [sha256Digest(data)]));
    expect(again.name).toBe('UploadNotFoundException');
  });

  it('accepts the digest among several, in uppercase hex, and answers it in lowercase', async () => {
    const data = layerBytes(1000);
    const uploadId = await initiate(ecr, repo);
    await uploadPart(ecr, repo, uploadId, data, 0);
    const upper = `sha256:${sha256Digest(data).slice(7).toUpperCase()}`;
    const digest = await complete(ecr, repo, uploadId, [
      'sha256:' + 'ab'.repeat(32),
      'md5:abc',
      upper,
    ]);
    expect(digest).toBe(sha256Digest(data));
  });

  it('answers EmptyUploadException in the real wording for an upload without parts', async () => {
    const uploadId = await initiate(ecr, repo);
    const err = await errorOf(complete(ecr, repo, uploadId, [sha256Digest(Buffer.from('x'))]));
    expect(err.name).toBe('EmptyUploadException');
    expect(err.message).toBe(
      `The upload with id '${uploadId}' in the repository with name '${repo}' in registry with id '${t.config.registryId}' cannot be completed because it does not have any parts`,
    );
  });

  it('answers InvalidLayerException for digests that do not match, and the upload stays open', async () => {
    const data = layerBytes(4096);
    const uploadId = await initiate(ecr, repo);
    await uploadPart(ecr, repo, uploadId, data, 0);
    const err = await errorOf(complete(ecr, repo, uploadId, [sha256Digest(Buffer.from('other'))]));
    expect(err.name).toBe('InvalidLayerException');
    expect(err.message).toBe(
      'None of the provided layer digests match the calculated layer digest',
    );
    expect(await complete(ecr, repo, uploadId, [sha256Digest(data)])).toBe(sha256Digest(data));
  });

  it('answers LayerPartTooSmallException when a part other than the last is under 5 MiB', async () => {
    const data = layerBytes(2 * MiB);
    const uploadId = await initiate(ecr, repo);
    await uploadPart(ecr, repo, uploadId, data.subarray(0, MiB), 0);
    // The part after a small one is refused when it arrives (test/upload-limits.e2e-spec.ts)...
    const second = await errorOf(uploadPart(ecr, repo, uploadId, data.subarray(MiB), MiB));
    expect(second.name).toBe('InvalidLayerPartException');
    // ...so only an upload stored by an earlier version, which accepted it, still has such a
    // part; the completion refuses it from its recorded part sizes, before reading any byte.
    await db.query('UPDATE uploads SET part_sizes = $2, bytes_received = $3 WHERE id = $1', [
      uploadId,
      [MiB, MiB],
      2 * MiB,
    ]);
    const err = await errorOf(complete(ecr, repo, uploadId, [sha256Digest(data)]));
    expect(err.name).toBe('LayerPartTooSmallException');
    expect(err.message).toBe('All layer parts except the last part should be at least 5MB');
  });

  it('answers LayerAlreadyExistsException for a layer the repository has, and consumes that upload', async () => {
    const data = layerBytes(2048);
    await pushLayer(ecr, repo, data);
    const uploadId = await initiate(ecr, repo);
    await uploadPart(ecr, repo, uploadId, data, 0);
    const err = await errorOf(complete(ecr, repo, uploadId, [sha256Digest(data)]));
    expect(err.name).toBe('LayerAlreadyExistsException');
    const again = await errorOf(complete(ecr, repo, uploadId, [sha256Digest(data)]));
    expect(again.name).toBe('UploadNotFoundException');
  });

  it('stores content pushed to two repositories once, each keeping its own layer', async () => {
    const data = layerBytes(3000);
    await pushLayer(ecr, repo, data);
    await pushLayer(ecr, 'flow/other', data);
    expect(
      await count('SELECT count(*) AS n FROM layers WHERE digest = $1', [sha256Digest(data)]),
    ).toBe(2);
    expect(
      await count('SELECT count(*) AS n FROM blobs WHERE digest = $1', [sha256Digest(data)]),
    ).toBe(1);
  });

  it('answers RepositoryNotFoundException on every operation for an unknown repository', async () => {
    const missing = 'no/such-repo';
    const calls = [
      () => ecr.send(new InitiateLayerUploadCommand({ repositoryName: missing })),
      () => uploadPart(ecr, missing, ZERO_UUID, Buffer.from('x'), 0),
      () => complete(ecr, missing, ZERO_UUID, [sha256Digest(Buffer.from('x'))]),
      () =>
        ecr.send(
          new BatchCheckLayerAvailabilityCommand({
            repositoryName: missing,
            layerDigests: [sha256Digest(Buffer.from('x'))],
          }),
        ),
    ];
    for (const call of calls) {
      const err = await errorOf(call());
      expect(err.name).toBe('RepositoryNotFoundException');
      expect(err.message).toBe(
        `The repository with name '${missing}' does not exist in the registry with id '${t.config.registryId}'`,
      );
    }
  });

  it("answers UploadNotFoundException for an unknown upload and for another repository's upload", async () => {
    const unknown = await errorOf(uploadPart(ecr, repo, ZERO_UUID, Buffer.from('x'), 0));
    expect(unknown.name).toBe('UploadNotFoundException');
    const uploadId = await initiate(ecr, 'flow/other');
    const foreignPart = await errorOf(uploadPart(ecr, repo, uploadId, Buffer.from('x'), 0));
    expect(foreignPart.name).toBe('UploadNotFoundException');
    const foreignComplete = await errorOf(
      complete(ecr, repo, uploadId, [sha256Digest(Buffer.from('x'))]),
    );
    expect(foreignComplete.name).toBe('UploadNotFoundException');
  });

  describe('InvalidLayerPartException', () => {
    let uploadId: string;
    const first = layerBytes(5 * MiB);

    beforeAll(async () => {
      uploadId = await initiate(ecr, repo);
    });

    const send = (
      data: Buffer,
      partFirstByte: number,
      partLastByte = partFirstByte + data.length - 1,
    ) =>
      ecr.send(
        new UploadLayerPartCommand({
          repositoryName: repo,
          uploadId,
          partFirstByte,
          partLastByte,
          layerPartBlob: data,
        }),
      );

    it('refuses a first part that does not start at 0, with no lastValidByteReceived', async () => {
      const err = await errorOf(send(Buffer.from('abc'), 10));
      expect(err.name).toBe('InvalidLayerPartException');
      expect(err.message).toBe('First byte of the layer part is 10 instead of 0');
      const fields = err as unknown as Record<string, unknown>;
      expect(fields.registryId).toBe(t.config.registryId);
      expect(fields.repositoryName).toBe(repo);
      expect(fields.uploadId).toBe(uploadId);
      expect(fields.lastValidByteReceived).toBeUndefined();
    });

    it('refuses a gap, an overlap and a length mismatch, naming the last valid byte', async () => {
      await send(first, 0);
      for (const [data, from, to] of [
        [Buffer.from('gap'), 5 * MiB + 1, undefined],
        [Buffer.from('overlap'), 5 * MiB - 2, undefined],
        [Buffer.from('four'), 5 * MiB, 5 * MiB + 9],
      ] as [Buffer, number, number | undefined][]) {
        const err = await errorOf(send(data, from, to));
        expect(err.name).toBe('InvalidLayerPartException');
        expect((err as unknown as Record<string, unknown>).lastValidByteReceived).toBe(5 * MiB - 1);
      }
    });

    it('refuses a blob over 20 MiB', async () => {
      const big = Buffer.alloc(20 * MiB + 1, 7);
      const err = await errorOf(send(big, 5 * MiB));
      expect(err.name).toBe('InvalidLayerPartException');
      expect((err as unknown as Record<string, unknown>).lastValidByteReceived).toBe(5 * MiB - 1);
    });

    it('refuses an empty blob', async () => {
      const err = await errorOf(send(Buffer.alloc(0), 5 * MiB, 5 * MiB - 1));
      expect(err.name).toBe('InvalidLayerPartException');
    });

    it('still completes with the right digest after every refusal', async () => {
      const rest = layerBytes(100);
      await send(rest, 5 * MiB);
      const digest = await complete(ecr, repo, uploadId, [
        sha256Digest(Buffer.concat([first, rest])),
      ]);
      expect(digest).toBe(sha256Digest(Buffer.concat([first, rest])));
    });
  });

  it('lets a client that lost an answer resend the part, learn where the upload stands, and resume', async () => {
    const data = layerBytes(12 * MiB);
    const uploadId = await initiate(ecr, repo);
    await uploadPart(ecr, repo, uploadId, data.subarray(0, 6 * MiB), 0);
    // The answer to the second part is "lost": the client sends it again.
    await uploadPart(ecr, repo, uploadId, data.subarray(6 * MiB, 11 * MiB), 6 * MiB);
    const err = await errorOf(
      uploadPart(ecr, repo, uploadId, data.subarray(6 * MiB, 11 * MiB), 6 * MiB),
    );
    expect(err.name).toBe('InvalidLayerPartException');
    const resumeAt = (err as unknown as Record<string, number>).lastValidByteReceived + 1;
    expect(resumeAt).toBe(11 * MiB);
    await uploadPart(ecr, repo, uploadId, data.subarray(resumeAt), resumeAt);
    expect(await complete(ecr, repo, uploadId, [sha256Digest(data)])).toBe(sha256Digest(data));
  });

  it('serialises two parts sent at once to one upload: one is stored, the other told where it stands', async () => {
    const uploadId = await initiate(ecr, repo);
    const a = layerBytes(MiB);
    const b = layerBytes(MiB);
    const results = await Promise.allSettled([
      uploadPart(ecr, repo, uploadId, a, 0),
      uploadPart(ecr, repo, uploadId, b, 0),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0].name).toBe('InvalidLayerPartException');
    expect((failed[0] as unknown as Record<string, unknown>).lastValidByteReceived).toBe(MiB - 1);
    const digests = [sha256Digest(a), sha256Digest(b)];
    expect(digests).toContain(await complete(ecr, repo, uploadId, digests));
  });

  it('answers LimitExceededException for an upload past MAX_LAYER_SIZE', async () => {
    const uploadId = await initiate(ecr, repo);
    const part = Buffer.alloc(20 * MiB, 1);
    for (let i = 0; i < 3; i++) await uploadPart(ecr, repo, uploadId, part, i * 20 * MiB);
    const err = await errorOf(uploadPart(ecr, repo, uploadId, part, 60 * MiB));
    expect(err.name).toBe('LimitExceededException');
  });

  it('of 8 concurrent completions of identical content, exactly one succeeds and one copy is stored', async () => {
    const data = layerBytes(256 * 1024);
    const uploads = await Promise.all(Array.from({ length: 8 }, () => initiate(ecr, repo)));
    await Promise.all(uploads.map((id) => uploadPart(ecr, repo, id, data, 0)));
    const results = await Promise.allSettled(
      uploads.map((id) => complete(ecr, repo, id, [sha256Digest(data)])),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(failures.map((e) => e.name)).toEqual(Array(7).fill('LayerAlreadyExistsException'));
    await t.app.get(UploadsService).purgeExpired();
    expect(
      await count('SELECT count(*) AS n FROM blobs WHERE digest = $1', [sha256Digest(data)]),
    ).toBe(1);
    const key = (
      await db.query<{ storage_key: string }>('SELECT storage_key FROM blobs WHERE digest = $1', [
        sha256Digest(data),
      ])
    ).rows[0].storage_key;
    for (const id of uploads) {
      expect(await count('SELECT count(*) AS n FROM uploads WHERE id = $1', [id])).toBe(0);
    }
    // No storage object other than live uploads' and blobs' remains once collection settles
    // (a collection started in the background by a completion may still hold some rows).
    const orphans = (): Promise<number> =>
      count(
        `SELECT count(*) AS n FROM storage_objects s WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = s.key) AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.storage_key = s.key)`,
      );
    for (let i = 0; i < 50 && (await orphans()) > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await t.app.get(UploadsService).purgeExpired();
    }
    expect(await orphans()).toBe(0);
    if (driver === 'filesystem') {
      const onDisk = await objectKeysOnDisk(t.config.blobDir);
      const known = (await db.query<{ key: string }>('SELECT key FROM storage_objects')).rows.map(
        (r) => r.key,
      );
      expect(onDisk.sort()).toEqual(expect.arrayContaining([key]));
      expect(onDisk.filter((k) => !known.includes(k))).toEqual([]);
    } else if (driver === 's3') {
      const known = (await db.query<{ key: string }>('SELECT key FROM storage_objects')).rows.map(
        (r) => r.key,
      );
      const bucket = await bucketContents(t.config.s3!);
      expect(bucket.objects).toContain(key);
      const names = [...bucket.objects, ...bucket.uploads].map((n) => n.replace(/\.tail$/, ''));
      expect(names.filter((k) => !known.includes(k))).toEqual([]);
    } else {
      expect(
        await count(
          'SELECT count(*) AS n FROM blob_chunks c WHERE NOT EXISTS (SELECT 1 FROM storage_objects s WHERE s.key = c.storage_key)',
        ),
      ).toBe(0);
    }
  });

  it('purges an expired upload with its bytes, and a fresh one survives', async () => {
    const old = await initiate(ecr, repo);
    const fresh = await initiate(ecr, repo);
    await uploadPart(ecr, repo, old, layerBytes(1000), 0);
    // 5 MiB, so that it can take another part.
    await uploadPart(ecr, repo, fresh, layerBytes(5 * MiB), 0);
    const oldKey = (
      await db.query<{ storage_key: string }>('SELECT storage_key FROM uploads WHERE id = $1', [
        old,
      ])
    ).rows[0].storage_key;
    await db.query(`UPDATE uploads SET updated_at = now() - interval '25 hours' WHERE id = $1`, [
      old,
    ]);
    const purged = await t.app.get(UploadsService).purgeExpired();
    expect(purged.uploads).toBe(1);
    expect((await errorOf(uploadPart(ecr, repo, old, layerBytes(10), 1000))).name).toBe(
      'UploadNotFoundException',
    );
    expect(await count('SELECT count(*) AS n FROM storage_objects WHERE key = $1', [oldKey])).toBe(
      0,
    );
    expect(
      await count('SELECT count(*) AS n FROM blob_chunks WHERE storage_key = $1', [oldKey]),
    ).toBe(0);
    if (driver === 'filesystem') {
      expect(fs.existsSync(new FilesystemBlobStore(t.config.blobDir).objectDir(oldKey))).toBe(
        false,
      );
    }
    if (driver === 's3') {
      const bucket = await bucketContents(t.config.s3!);
      expect([...bucket.objects, ...bucket.uploads]).not.toContain(`${oldKey}.tail`);
    }
    await uploadPart(ecr, repo, fresh, layerBytes(10), 5 * MiB);
  });

  it('answers ServerException for a storage failure, and loses no part: the client resends and completes', async () => {
    const data = layerBytes(6 * MiB);
    const uploadId = await initiate(ecr, repo);
    await uploadPart(ecr, repo, uploadId, data.subarray(0, 5 * MiB), 0);
    const breakStorage = async (): Promise<() => Promise<void>> => {
      if (driver === 'postgres') {
        await db.query('ALTER TABLE blob_chunks RENAME TO blob_chunks_away');
        return async () =>
          void (await db.query('ALTER TABLE blob_chunks_away RENAME TO blob_chunks'));
      }
      if (driver === 's3') {
        // A bucket the service does not have: every request fails with NoSuchBucket.
        const store = t.app.get<BlobStores>(BLOB_STORES).s3 as unknown as { bucket: string };
        const bucket = store.bucket;
        store.bucket = 'berth-no-such-bucket';
        return () => Promise.resolve(void (store.bucket = bucket));
      }
      const key = (
        await db.query<{ storage_key: string }>('SELECT storage_key FROM uploads WHERE id = $1', [
          uploadId,
        ])
      ).rows[0].storage_key;
      const dir = new FilesystemBlobStore(t.config.blobDir).objectDir(key);
      fs.renameSync(dir, `${dir}.away`);
      fs.writeFileSync(dir, 'not a directory');
      return async () => {
        fs.rmSync(dir);
        fs.renameSync(`${dir}.away`, dir);
      };
    };
    const repair = await breakStorage();
    let err;
    try {
      err = await errorOf(uploadPart(ecr, repo, uploadId, data.subarray(5 * MiB), 5 * MiB));
    } finally {
      await repair();
    }
    expect(err.name).toBe('ServerException');
    expect(err.$metadata.httpStatusCode).toBe(500);
    expect(err.message).not.toMatch(/blob_chunks|ENOTDIR|relation|\/tmp\/|bucket/i);
    const status = await errorOf(uploadPart(ecr, repo, uploadId, Buffer.from('probe'), 0));
    expect((status as unknown as Record<string, unknown>).lastValidByteReceived).toBe(5 * MiB - 1);
    await uploadPart(ecr, repo, uploadId, data.subarray(5 * MiB), 5 * MiB);
    expect(await complete(ecr, repo, uploadId, [sha256Digest(data)])).toBe(sha256Digest(data));
  });

  describe('parts stored while they arrive', () => {
    /** What stored bytes exist: storage objects, chunk rows, and temporary files. */
    const stored = async (): Promise<{ objects: number; chunks: number; staged: string[] }> => {
      const tmp = `${t.config.blobDir}/.tmp`;
      return {
        objects: await count('SELECT count(*) AS n FROM storage_objects'),
        chunks: await count('SELECT count(*) AS n FROM blob_chunks'),
        staged: fs.existsSync(tmp) ? fs.readdirSync(tmp) : [],
      };
    };
    const partBody = (uploadId: string, data: Buffer, first: number, blobLast = false): string => {
      const members: Record<string, unknown> = {
        repositoryName: repo,
        uploadId,
        partFirstByte: first,
        partLastByte: first + data.length - 1,
      };
      const blob = JSON.stringify(data.toString('base64'));
      const rest = JSON.stringify(members);
      return blobLast
        ? `${rest.slice(0, -1)},"layerPartBlob":${blob}}`
        : `{"layerPartBlob":${blob},${rest.slice(1)}`;
    };

    /** How many parts this instance stored while they arrived, by the metrics it publishes. */
    const streamedParts = async (): Promise<number> => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`berth_layer_parts_total{driver="${driver}",path="streamed"}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };

    it('stores a part whose blob comes first or last, and completes to the right digest', async () => {
      const data = layerBytes(7 * MiB);
      const uploadId = await initiate(ecr, repo);
      const streamedBefore = await streamedParts();
      for (const [from, to, blobLast] of [
        [0, 5 * MiB, false],
        [5 * MiB, 7 * MiB, true],
      ] as const) {
        const res = await rawCall(
          t.url,
          target('UploadLayerPart'),
          partBody(uploadId, data.subarray(from, to), from, blobLast),
        );
        expect(res.json).toMatchObject({ lastByteReceived: to - 1 });
      }
      // Both parts went to storage while they arrived, not after (the s3 driver writes a part
      // once its number is known: it stages none).
      expect(await streamedParts()).toBe(streamedBefore + (driver === 's3' ? 0 : 2));
      expect(await complete(ecr, repo, uploadId, [sha256Digest(data)])).toBe(sha256Digest(data));
    });

    it('falls back to the ordinary parse for a blob written with JSON escapes', async () => {
      const data = layerBytes(2 * MiB);
      const uploadId = await initiate(ecr, repo);
      const body = partBody(uploadId, data, 0).replace(/\//g, '\\/');
      expect(body).toContain('\\/');
      const res = await rawCall(t.url, target('UploadLayerPart'), body);
      expect(res.json).toMatchObject({ lastByteReceived: data.length - 1 });
      expect(await complete(ecr, repo, uploadId, [sha256Digest(data)])).toBe(sha256Digest(data));
    });

    it('keeps nothing of a part refused after it arrived: bad signature, bad offsets, unknown upload', async () => {
      const data = layerBytes(3 * MiB);
      const uploadId = await initiate(ecr, repo);
      const before = await stored();
      const badSignature = await rawCall(
        t.url,
        target('UploadLayerPart'),
        partBody(uploadId, data, 0),
        undefined,
        {
          credentials: {
            ...TEST_CREDENTIALS,
            secretAccessKey: 'not-the-secret-of-this-key-0000',
          },
        },
      );
      expect(badSignature.json?.__type).toBe('InvalidSignatureException');
      const badOffset = await rawCall(
        t.url,
        target('UploadLayerPart'),
        partBody(uploadId, data, 5),
      );
      expect(badOffset.json?.__type).toBe('InvalidLayerPartException');
      const unknown = await rawCall(t.url, target('UploadLayerPart'), partBody(ZERO_UUID, data, 0));
      expect(unknown.json?.__type).toBe('UploadNotFoundException');
      expect(await stored()).toEqual(before);
      await uploadPart(ecr, repo, uploadId, data, 0);
      expect(await complete(ecr, repo, uploadId, [sha256Digest(data)])).toBe(sha256Digest(data));
    });
  });

  it('reports failures for empty and malformed digests and UNAVAILABLE for unknown ones', async () => {
    const out = await ecr.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: repo,
        layerDigests: ['', 'not-a-digest', `sha256:${'0'.repeat(64)}`],
      }),
    );
    expect(out.failures).toEqual([
      {
        layerDigest: '',
        failureCode: 'MissingLayerDigest',
        failureReason: expect.any(String) as string,
      },
      {
        layerDigest: 'not-a-digest',
        failureCode: 'InvalidLayerDigest',
        failureReason: expect.any(String) as string,
      },
    ]);
    expect(out.layers).toEqual([
      { layerDigest: `sha256:${'0'.repeat(64)}`, layerAvailability: 'UNAVAILABLE' },
    ]);
  });

  describe('every documented constraint of the upload inputs answers InvalidParameterException', () => {
    const pattern = (member: string, p: string): string =>
      `Invalid parameter at '${member}' failed to satisfy constraint: 'must satisfy regular expression '${p}''`;
    const constraint = (member: string, c: string): string =>
      `Invalid parameter at '${member}' failed to satisfy constraint: '${c}'`;
    type Call = (c: ECRClient) => Promise<unknown>;
    const initiateWith =
      (input: Partial<InitiateLayerUploadCommandInput>): Call =>
      (c) =>
        c.send(new InitiateLayerUploadCommand(input as InitiateLayerUploadCommandInput));
    const partWith =
      (input: Partial<UploadLayerPartCommandInput>): Call =>
      (c) =>
        c.send(
          new UploadLayerPartCommand({
            repositoryName: repo,
            uploadId: ZERO_UUID,
            partFirstByte: 0,
            partLastByte: 0,
            layerPartBlob: Buffer.from('x'),
            ...input,
          }),
        );
    const completeWith =
      (input: Partial<CompleteLayerUploadCommandInput>): Call =>
      (c) =>
        c.send(
          new CompleteLayerUploadCommand({
            repositoryName: repo,
            uploadId: ZERO_UUID,
            layerDigests: [`sha256:${'a'.repeat(64)}`],
            ...input,
          }),
        );
    const cases: [string, Call, string][] = [
      [
        'Initiate registryId pattern',
        initiateWith({ registryId: '1', repositoryName: repo }),
        pattern('registryId', '[0-9]{12}'),
      ],
      [
        'Initiate repositoryName required',
        initiateWith({}),
        constraint('repositoryName', 'Member must not be null'),
      ],
      [
        'Initiate repositoryName min length',
        initiateWith({ repositoryName: 'a' }),
        constraint('repositoryName', 'must have length greater than or equal to 2'),
      ],
      [
        'Initiate repositoryName max length',
        initiateWith({ repositoryName: 'a'.repeat(257) }),
        constraint('repositoryName', 'must have length less than or equal to 256'),
      ],
      [
        'Initiate repositoryName pattern',
        initiateWith({ repositoryName: 'a//b' }),
        pattern('repositoryName', NAME_PATTERN),
      ],
      [
        'Part registryId pattern',
        partWith({ registryId: 'x23456789012' }),
        pattern('registryId', '[0-9]{12}'),
      ],
      [
        'Part repositoryName pattern',
        partWith({ repositoryName: 'UPPER' }),
        pattern('repositoryName', NAME_PATTERN),
      ],
      [
        'Part repositoryName min length',
        partWith({ repositoryName: 'a' }),
        constraint('repositoryName', 'must have length greater than or equal to 2'),
      ],
      [
        'Part repositoryName max length',
        partWith({ repositoryName: 'a'.repeat(257) }),
        constraint('repositoryName', 'must have length less than or equal to 256'),
      ],
      [
        'Part uploadId pattern',
        partWith({ uploadId: 'not-a-uuid' }),
        pattern('uploadId', UPLOAD_ID_PATTERN),
      ],
      [
        'Part uploadId required',
        partWith({ uploadId: undefined }),
        constraint('uploadId', 'Member must not be null'),
      ],
      [
        'Part partFirstByte min',
        partWith({ partFirstByte: -1 }),
        constraint('partFirstByte', 'Member must have value greater than or equal to 0'),
      ],
      [
        'Part partLastByte min',
        partWith({ partLastByte: -5 }),
        constraint('partLastByte', 'Member must have value greater than or equal to 0'),
      ],
      [
        'Part partFirstByte required',
        partWith({ partFirstByte: undefined }),
        constraint('partFirstByte', 'Member must not be null'),
      ],
      [
        'Part layerPartBlob required',
        partWith({ layerPartBlob: undefined }),
        constraint('layerPartBlob', 'Member must not be null'),
      ],
      [
        'Complete registryId pattern',
        completeWith({ registryId: '12345678901' }),
        pattern('registryId', '[0-9]{12}'),
      ],
      [
        'Complete repositoryName required',
        completeWith({ repositoryName: undefined }),
        constraint('repositoryName', 'Member must not be null'),
      ],
      [
        'Complete repositoryName min length',
        completeWith({ repositoryName: 'a' }),
        constraint('repositoryName', 'must have length greater than or equal to 2'),
      ],
      [
        'Complete repositoryName max length',
        completeWith({ repositoryName: 'a'.repeat(257) }),
        constraint('repositoryName', 'must have length less than or equal to 256'),
      ],
      [
        'Complete repositoryName pattern',
        completeWith({ repositoryName: 'a_-b' }),
        pattern('repositoryName', NAME_PATTERN),
      ],
      [
        'Complete uploadId required',
        completeWith({ uploadId: undefined }),
        constraint('uploadId', 'Member must not be null'),
      ],
      [
        'Complete uploadId pattern',
        completeWith({ uploadId: `${ZERO_UUID}0` }),
        pattern('uploadId', UPLOAD_ID_PATTERN),
      ],
      [
        'Complete layerDigests required',
        completeWith({ layerDigests: undefined }),
        constraint('layerDigests', 'Member must not be null'),
      ],
      [
        'Complete layerDigests min size',
        completeWith({ layerDigests: [] }),
        constraint('layerDigests', 'Member must have length greater than or equal to 1'),
      ],
      [
        'Complete layerDigests max size',
        completeWith({ layerDigests: Array(101).fill(`sha256:${'a'.repeat(64)}`) as string[] }),
        constraint('layerDigests', 'Member must have length less than or equal to 100'),
      ],
      [
        'Complete layerDigests member pattern',
        completeWith({ layerDigests: ['sha256:xyz'] }),
        pattern('layerDigests', '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'),
      ],
      [
        'Complete layerDigests member pattern (no algorithm)',
        completeWith({ layerDigests: ['abc'] }),
        pattern('layerDigests', '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'),
      ],
    ];
    it.each(cases)('%s', async (_label, call, message) => {
      const err = await errorOf(call(ecr));
      expect(err.name).toBe('InvalidParameterException');
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.message).toBe(message);
    });

    it('answers SerializationException for a layerPartBlob that is not base64', async () => {
      const res = await rawCall(
        t.url,
        target('UploadLayerPart'),
        JSON.stringify({
          repositoryName: repo,
          uploadId: ZERO_UUID,
          partFirstByte: 0,
          partLastByte: 0,
          layerPartBlob: '!!!!',
        }),
      );
      expect(res.json?.__type).toBe('SerializationException');
    });
  });
});

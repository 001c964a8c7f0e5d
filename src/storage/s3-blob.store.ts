import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type Part,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Config } from '../config/app-config';
import { BlobStore, StagedPart } from './blob-store';
import type { StorageTransaction } from './storage-transaction';

/** S3's smallest part but the last; a smaller part of Berth's is kept as the tail object. */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;
/** Keys per DeleteObjects call: S3's maximum. */
const DELETE_BATCH = 1000;

/** A client that works with AWS S3 and with S3-compatible services such as Swift's s3api. */
export function s3Client(config: S3Config): S3Client {
  const client = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: config.credentials,
    // No `aws-chunked` bodies nor trailing checksums (Swift refuses them); parts carry a
    // Content-Length and the digest is Berth's own, from the running SHA-256 in PostgreSQL.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // DeleteObjects needs a checksum of its body: the SDK now sends a CRC32, which AWS takes, but
  // other services (Swift's s3api, older Ceph and MinIO) ask for the Content-MD5 S3 first required.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      const body = request.body;
      if (
        context.commandName === 'DeleteObjectsCommand' &&
        request.headers &&
        (typeof body === 'string' || body instanceof Uint8Array)
      ) {
        request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'berthDeleteObjectsContentMd5' },
  );
  return client;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'NoSuchKey' ||
    e?.name === 'NotFound' ||
    e?.name === 'NoSuchUpload' ||
    e?.$metadata?.httpStatusCode === 404
  );
}

/**
 * Keeps each object in a bucket of an S3-compatible service. While an upload runs, its parts of
 * at least S3_MIN_PART_BYTES are parts of one S3 multipart upload (Berth's part n is S3's part
 * n + 1; writing it again replaces it); a smaller part, which can only be the last, is kept as
 * the object's tail object (`<key>.tail`), since the bytes of an unfinished multipart upload
 * cannot be read back to gather the next chunk into them. `complete` uploads the tail as the last
 * part and completes the multipart upload: the object `<key>` is then the blob, read by ranged
 * GETs. The ETag S3 gives is never taken for a digest.
 *
 * Writes to one key are serialised by the caller (the upload's row lock): the multipart upload of
 * a key is found by listing (the earliest initiated when a crash left two), never by a condition
 * of S3's.
 */
export class S3BlobStore implements BlobStore {
  readonly driver = 's3' as const;
  /** Multipart uploads this instance created or found, by object name. */
  private readonly uploads = new Map<string, string>();

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = '',
  ) {}

  private name(key: string): string {
    return `${this.prefix}${key}`;
  }

  private tailName(key: string): string {
    return `${this.prefix}${key}.tail`;
  }

  /**
   * Checks that the bucket is reachable and writable (an object written, read and removed):
   * at start, so that a wrong bucket, endpoint or credential stops the start, not the first push.
   */
  async verify(): Promise<void> {
    // A name of its own: instances starting together on one bucket must not remove each other's.
    const name = `${this.prefix}.berth-write-check-${randomUUID()}`;
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: name, Body: Buffer.from('berth') }),
    );
    await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: name }));
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: name }));
  }

  /** The multipart upload of `key`'s object; with `create`, started when there is none. */
  private async uploadId(key: string, create: boolean): Promise<string | undefined> {
    const name = this.name(key);
    const known = this.uploads.get(name);
    if (known) return known;
    let found: { id: string; at: number } | undefined;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: name,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const upload of page.Uploads ?? []) {
        if (upload.Key !== name || !upload.UploadId) continue;
        const at = upload.Initiated?.getTime() ?? 0;
        const first = !found || at < found.at || (at === found.at && upload.UploadId < found.id);
        if (first) found = { id: upload.UploadId, at };
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
    if (!found && create) {
      const created = await this.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: name }),
      );
      if (!created.UploadId) throw new Error(`S3 started no multipart upload for ${name}`);
      // Two first writes that raced each started one: both keep the one listed first.
      return (await this.uploadId(key, false)) ?? created.UploadId;
    }
    if (found) this.uploads.set(name, found.id);
    return found?.id;
  }

  async writePart(
    _tx: StorageTransaction,
    key: string,
    partNo: number,
    data: Buffer,
  ): Promise<void> {
    if (data.length < S3_MIN_PART_BYTES) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.tailName(key),
          Body: data,
          ContentLength: data.length,
        }),
      );
      return;
    }
    await this.uploadPart(key, partNo, data);
  }

  private async uploadPart(key: string, partNo: number, data: Buffer): Promise<void> {
    const uploadId = await this.uploadId(key, true);
    const send = (id: string) =>
      this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: this.name(key),
          UploadId: id,
          PartNumber: partNo + 1,
          Body: data,
          ContentLength: data.length,
        }),
      );
    try {
      await send(uploadId!);
    } catch (err) {
      // Known here, but aborted since (the object was collected and its key reused by a test):
      // looked up again once.
      if (!isNotFound(err)) throw err;
      this.uploads.delete(this.name(key));
      await send((await this.uploadId(key, true))!);
    }
  }

  /** Only a small last part is read back: it is the tail object. */
  async readPart(
    _tx: StorageTransaction,
    key: string,
    partNo: number,
    size: number,
  ): Promise<Buffer> {
    if (size >= S3_MIN_PART_BYTES) {
      throw new Error(`part ${partNo} of ${key} is in a multipart upload: it cannot be read back`);
    }
    return this.readTail(key, partNo, size);
  }

  private async readTail(key: string, partNo: number, size: number): Promise<Buffer> {
    if (size === 0) return Buffer.alloc(0);
    const got = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.tailName(key),
        Range: `bytes=0-${size - 1}`,
      }),
    );
    const data = Buffer.from(await got.Body!.transformToByteArray());
    if (data.length < size) {
      throw new Error(`part ${partNo} of ${key} is shorter than its recorded size`);
    }
    return data.subarray(0, size);
  }

  /** Parts can only go to S3 once their number is known: written when they are placed. */
  stagePart(): StagedPart {
    return new UnstagedPart();
  }

  async complete(key: string, partSizes: number[]): Promise<void> {
    const name = this.name(key);
    const total = partSizes.reduce((sum, n) => sum + n, 0);
    if (partSizes.length === 0) {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: name, Body: Buffer.alloc(0) }),
      );
      return;
    }
    // Listed, not taken from this instance's memory: another instance may have completed it.
    this.uploads.delete(name);
    const uploadId = await this.uploadId(key, false);
    if (!uploadId) {
      if ((await this.size(name)) === total) return; // completed already
    }
    const id = uploadId ?? (await this.uploadId(key, true))!;
    const lastNo = partSizes.length - 1;
    const lastSize = partSizes[lastNo];
    if (lastSize < S3_MIN_PART_BYTES) {
      const tail = await this.readTail(key, lastNo, lastSize);
      await this.uploadPart(key, lastNo, tail);
    }
    const parts = await this.listParts(name, id);
    const chosen: Part[] = partSizes.map((size, n) => {
      const part = parts.get(n + 1);
      if (!part || part.Size !== size) {
        throw new Error(
          `part ${n} of ${key} holds ${part?.Size ?? 'no'} bytes in S3, not its recorded ${size}`,
        );
      }
      return part;
    });
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: name,
          UploadId: id,
          MultipartUpload: {
            Parts: chosen.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })),
          },
        }),
      );
    } catch (err) {
      // Completed by a call whose answer was lost: the object is there, of the right size.
      if (!isNotFound(err) || (await this.size(name)) !== total) throw err;
    }
    this.uploads.delete(name);
    await this.client
      .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.tailName(key) }))
      .catch(() => undefined); // left for the collection of the key
  }

  private async size(name: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: name }),
      );
      return head.ContentLength;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async listParts(name: string, uploadId: string): Promise<Map<number, Part>> {
    const parts = new Map<number, Part>();
    let marker: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListPartsCommand({
          Bucket: this.bucket,
          Key: name,
          UploadId: uploadId,
          PartNumberMarker: marker,
        }),
      );
      for (const part of page.Parts ?? []) {
        if (part.PartNumber !== undefined) parts.set(part.PartNumber, part);
      }
      if (!page.IsTruncated) return parts;
      marker = page.NextPartNumberMarker;
    }
  }

  /** A ranged GET of the completed object, streamed as S3 sends it. */
  read(key: string, _partSizes: number[], start: number, end: number): Readable {
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    this.open(key, start, end)
      .then((body) => pipeline(body, out))
      .catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
    return out;
  }

  /**
   * Nothing goes to `out` before S3 has answered the GET: a store that cannot be reached rejects
   * with `out` untouched, and the caller can still answer an error of its protocol.
   */
  async send(
    key: string,
    _partSizes: number[],
    start: number,
    end: number,
    out: Writable,
  ): Promise<void> {
    await pipeline(await this.open(key, start, end), out);
  }

  /** The body of a ranged GET, once S3 has answered it with the length asked. */
  private async open(key: string, start: number, end: number): Promise<Readable> {
    const got = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.name(key),
        Range: `bytes=${start}-${end}`,
      }),
    );
    const body = got.Body as Readable;
    if (got.ContentLength !== end - start + 1) {
      body.destroy();
      throw new Error(
        `object ${key} answered ${got.ContentLength} bytes for ${end - start + 1} asked`,
      );
    }
    return body;
  }

  /** Aborts the keys' multipart uploads, then deletes their objects in batches. */
  async remove(_tx: StorageTransaction, keys: string[]): Promise<void> {
    const names: string[] = [];
    for (const key of keys) {
      const name = this.name(key);
      for (;;) {
        this.uploads.delete(name);
        const id = await this.uploadId(key, false);
        if (!id) break;
        this.uploads.delete(name);
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: name, UploadId: id }))
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
      }
      names.push(name, this.tailName(key));
    }
    for (let at = 0; at < names.length; at += DELETE_BATCH) {
      const batch = names.slice(at, at + DELETE_BATCH);
      const result = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (result.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw new Error(
          `S3 did not delete ${failed.length} objects: ${failed[0].Key} ${failed[0].Code} ${failed[0].Message}`,
        );
      }
    }
  }
}

/** What `stagePart` answers: never usable, so the part is written once its number is known. */
class UnstagedPart implements StagedPart {
  readonly driver = 's3' as const;
  usable(): boolean {
    return false;
  }
  progress(): void {}
  place(): Promise<void> {
    return Promise.reject(new Error('the s3 driver stages no part'));
  }
  async discard(): Promise<void> {}
}

import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { S3Config } from '../../src/config/app-config';
import { s3Client } from '../../src/storage/s3-blob.store';

/**
 * What the s3 driver keeps in its bucket, read with a client of the test's own: object `key` is
 * `<prefix><key>` once completed, its small last part `<prefix><key>.tail` before, and its larger
 * parts a multipart upload of `<prefix><key>`.
 */
export interface BucketContents {
  /** Object names under the prefix, without it. */
  objects: string[];
  /** Names (without the prefix) that have a multipart upload, once per upload. */
  uploads: string[];
}

/** The write checks `verify` makes for an instant at start: no storage object. */
const WRITE_CHECK = '.berth-write-check-';

export async function bucketContents(config: S3Config): Promise<BucketContents> {
  const client = s3Client(config);
  try {
    const strip = (name: string): string => name.slice(config.prefix.length);
    const objects: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: config.bucket,
          Prefix: config.prefix,
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? []) if (o.Key) objects.push(strip(o.Key));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const uploads: string[] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListMultipartUploadsCommand({
          Bucket: config.bucket,
          Prefix: config.prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: idMarker,
        }),
      );
      for (const u of page.Uploads ?? []) if (u.Key) uploads.push(strip(u.Key));
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      idMarker = page.NextUploadIdMarker;
    }
    return { objects: objects.filter((o) => !o.startsWith(WRITE_CHECK)), uploads };
  } finally {
    client.destroy();
  }
}

/** The SHA-256 and size of completed object `key`, or undefined when the bucket lacks it. */
export async function hashS3Object(
  config: S3Config,
  key: string,
): Promise<{ hash: string; size: number } | undefined> {
  const client = s3Client(config);
  try {
    const got = await client.send(
      new GetObjectCommand({ Bucket: config.bucket, Key: `${config.prefix}${key}` }),
    );
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of got.Body as Readable) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { hash: hash.digest('hex'), size };
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
    throw err;
  } finally {
    client.destroy();
  }
}

/** Object `name` (under the prefix) in the bucket, read whole. */
export async function getS3Object(config: S3Config, name: string): Promise<Buffer> {
  const client = s3Client(config);
  try {
    const got = await client.send(
      new GetObjectCommand({ Bucket: config.bucket, Key: `${config.prefix}${name}` }),
    );
    return Buffer.from(await got.Body!.transformToByteArray());
  } finally {
    client.destroy();
  }
}

/** Writes object `name` (under the prefix), as something other than Berth could. */
export async function putS3Object(config: S3Config, name: string, body: Buffer): Promise<void> {
  const client = s3Client(config);
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: `${config.prefix}${name}`,
        Body: body,
        ContentLength: body.length,
      }),
    );
  } finally {
    client.destroy();
  }
}

export async function deleteS3Object(config: S3Config, name: string): Promise<void> {
  const client = s3Client(config);
  try {
    await client.send(
      new DeleteObjectCommand({ Bucket: config.bucket, Key: `${config.prefix}${name}` }),
    );
  } finally {
    client.destroy();
  }
}

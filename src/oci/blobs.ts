import { answerRange } from '../common/http-range';
import type { LayerContent } from '../layers/layers.service';
import type { OciCall } from './oci-call';
import { OciError } from './oci-errors';
import { CONTENT_DIGEST_HEADER } from './oci-headers';
import { blobDigest } from './params';

/** `GET` and `HEAD /v2/<name>/blobs/<digest>`: the blob, or one `Range` of it. */
export async function getBlob(call: OciCall): Promise<void> {
  const { req, res, registryId, name, arg, layers } = call;
  const digest = blobDigest(arg);
  // HEAD, which docker sends for every layer it pushes, needs no bytes: a layer check answers
  // it (from the cache when it can).
  const content =
    req.method === 'HEAD'
      ? await layers.find(registryId, name, digest.digest)
      : await readableContent(call, digest.digest);
  if (!content)
    throw new OciError('BLOB_UNKNOWN', `The blob '${digest.digest}' is not in '${name}'`);
  const range = answerRange(req.headers.range, content.size);
  res.setHeader(CONTENT_DIGEST_HEADER, content.digest);
  res.setHeader('Accept-Ranges', 'bytes');
  if (range.status === 416) {
    res.setHeader('Content-Range', range.contentRange);
    throw new OciError('RANGE_INVALID', `The blob holds ${content.size} bytes`);
  }
  res.status(range.status);
  res.setHeader('Content-Type', 'application/octet-stream');
  const { start, end } = range;
  res.setHeader('Content-Length', end - start + 1);
  if (range.status === 206) res.setHeader('Content-Range', range.contentRange);
  if (!('open' in content) || end < start) {
    res.end();
    return;
  }
  try {
    await content.send(start, end, res);
  } catch (err) {
    // Nothing sent yet (the store could not be reached): the error answers, without these.
    if (!res.headersSent) {
      for (const h of ['Content-Length', 'Content-Range', 'Content-Type', CONTENT_DIGEST_HEADER]) {
        res.removeHeader(h);
      }
    }
    throw err;
  }
}

/** The bytes of a blob of the repository, which its KMS key must allow reading. */
async function readableContent(
  { registryId, name, layers, repositories }: OciCall,
  digest: string,
): Promise<LayerContent | undefined> {
  const repo = await repositories.require(registryId, name);
  await repositories.requireReadable(repo);
  return layers.content(repo.id, digest);
}

/** `DELETE /v2/<name>/blobs/<digest>`: refused, blobs are collected. */
export async function deleteBlob(): Promise<void> {
  throw new OciError(
    'UNSUPPORTED',
    'Blobs are not deleted one by one: a blob no manifest references is collected',
  );
}

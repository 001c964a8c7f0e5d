import type { Request, Response } from 'express';
import { UPLOAD_ID_PATTERN } from '../common/patterns';
import type { DigestAlgorithm, ParsedDigest } from '../crypto/digest';
import { LimitExceededException } from '../common/errors/registry-exception';
import { FREE_CHUNKS } from '../uploads/uploads.service';
import { hasBody } from './body';
import type { OciCall } from './oci-call';
import { OciError } from './oci-errors';
import { isRepositoryName, parseOciDigest } from './oci-grammar';
import {
  blobLocation,
  CONTENT_DIGEST_HEADER,
  parseContentRange,
  UPLOAD_UUID_HEADER,
  uploadLocation,
  uploadRange,
} from './oci-headers';
import { blobDigest, query } from './params';

const UPLOAD_ID = new RegExp(`^${UPLOAD_ID_PATTERN}$`);

/** The upload id of `…/blobs/uploads/<id>`, checked before the method is: else no such upload. */
export function uploadIdArg(arg: string, name: string): string {
  if (!UPLOAD_ID.test(arg)) {
    throw new OciError('BLOB_UPLOAD_UNKNOWN', `No upload '${arg.slice(0, 100)}' in '${name}'`);
  }
  return arg.toLowerCase();
}

/** `POST …/blobs/uploads/`: a new upload, its chunks to follow. */
export async function startUpload(call: OciCall): Promise<void> {
  const { req, res, name } = call;
  // A client pushing a sha512 blob in chunks says so up front (the spec's `digest-algorithm`),
  // so that the upload is hashed with SHA-512 as its bytes arrive.
  const digestAlgorithm = announcedAlgorithm(req);
  const uploadId = await initiate(call, digestAlgorithm);
  req.resume();
  uploadAccepted(res, 202, name, uploadId, 0);
}

/** `POST …/blobs/uploads/?digest=<d>`: the whole blob in one request. */
export async function pushBlob(call: OciCall): Promise<void> {
  const digest = completionDigest(call.req);
  const uploadId = await initiate(call, digest.algorithm);
  await append(call, uploadId);
  return complete(call, uploadId, digest);
}

/** `POST …/blobs/uploads/?mount=<d>&from=<repo>`: the blob of another repository, or an upload. */
export async function mountBlob(call: OciCall): Promise<void> {
  const { req, res, registryId, name, uploads } = call;
  const mount = query(req, 'mount');
  const from = query(req, 'from');
  if (mount !== undefined && from !== undefined) {
    const digest = parseOciDigest(mount);
    if (digest && isRepositoryName(from)) {
      if (await uploads.mount(registryId, name, from, digest.digest)) {
        req.resume();
        res.status(201);
        res.setHeader('Location', blobLocation(name, digest.digest));
        res.setHeader(CONTENT_DIGEST_HEADER, digest.digest);
        res.setHeader('Content-Length', 0);
        res.end();
        return;
      }
    }
  }
  // Not mountable (or not readable by the caller): an upload to send the bytes, as the spec
  // allows.
  return query(req, 'digest') === undefined ? startUpload(call) : pushBlob(call);
}

/** `GET …/blobs/uploads/<id>`: where the upload stands. */
export async function getUpload(call: OciCall): Promise<void> {
  const { res, registryId, name, arg: uploadId, uploads } = call;
  const { bytesReceived } = await uploads.status(registryId, name, uploadId);
  uploadAccepted(res, 204, name, uploadId, bytesReceived);
}

/** `PATCH …/blobs/uploads/<id>`: a chunk. */
export async function patchUpload(call: OciCall): Promise<void> {
  const { res, name, arg: uploadId } = call;
  const { bytesReceived } = await append(call, uploadId);
  uploadAccepted(res, 202, name, uploadId, bytesReceived);
}

/** `PUT …/blobs/uploads/<id>?digest=<d>`: the last chunk, if any, and the blob. */
export async function completeUpload(call: OciCall): Promise<void> {
  const { req, arg: uploadId } = call;
  const digest = completionDigest(req);
  if (hasBody(req)) await append(call, uploadId);
  return complete(call, uploadId, digest);
}

/** `DELETE …/blobs/uploads/<id>`. */
export async function cancelUpload(call: OciCall): Promise<void> {
  const { res, registryId, name, arg: uploadId, uploads } = call;
  await uploads.cancel(registryId, name, uploadId);
  res.status(204).end();
}

/**
 * A new upload. Past the uploads in progress a repository or an account may have, DENIED with
 * the limit's message: no size is wrong, and waiting a moment would not help.
 */
async function initiate(
  { registryId, name, uploads }: OciCall,
  digestAlgorithm: DigestAlgorithm,
): Promise<string> {
  try {
    return (await uploads.initiate(registryId, name, { digestAlgorithm })).uploadId;
  } catch (err) {
    if (err instanceof LimitExceededException) throw new OciError('DENIED', err.message);
    throw err;
  }
}

/** The `digest` a completion names: required, sha256 or sha512. */
function completionDigest(req: Request): ParsedDigest {
  const given = query(req, 'digest');
  if (given === undefined) {
    throw new OciError('DIGEST_INVALID', 'The digest query parameter is required');
  }
  return blobDigest(given);
}

/** The `digest-algorithm` of an upload's POST: sha256 when absent. */
function announcedAlgorithm(req: Request): DigestAlgorithm {
  const given = query(req, 'digest-algorithm');
  if (given === undefined || given === 'sha256' || given === 'sha512') return given ?? 'sha256';
  throw new OciError(
    'DIGEST_INVALID',
    `Unsupported digest algorithm '${given.slice(0, 50)}': Berth verifies sha256 and sha512`,
  );
}

/**
 * Appends the request's body to the upload, as it arrives, through the one append path:
 * committed in parts of at most STREAM_PART_BYTES, the key checked again before each.
 */
async function append(call: OciCall, uploadId: string): Promise<{ bytesReceived: number }> {
  const { req, registryId, name, uploads } = call;
  const header = req.headers['content-range'];
  let start: number | undefined;
  let declared: { bytes: number; said: string } | undefined;
  if (header !== undefined) {
    const range = parseContentRange(header);
    if (!range) {
      throw new OciError(
        'BLOB_UPLOAD_INVALID',
        `Content-Range must be <start>-<end>, not '${header.slice(0, 100)}'`,
        undefined,
        416,
      );
    }
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) !== range.end - range.start + 1) {
      throw new OciError(
        'SIZE_INVALID',
        `Content-Range ${header} describes ${range.end - range.start + 1} bytes, Content-Length says ${length}`,
      );
    }
    start = range.start;
    const bytes = range.end - range.start + 1;
    // A chunked body has no Content-Length: its length is checked as it arrives.
    declared = { bytes, said: `Content-Range ${header} describes ${bytes}` };
  }
  return uploads.append({
    registryId,
    repositoryName: name,
    uploadId,
    rules: FREE_CHUNKS,
    start,
    declared,
    body: call.body(),
    beforeCommit: () => call.recheckKey(),
  });
}

async function complete(
  { res, registryId, name, uploads }: OciCall,
  uploadId: string,
  digest: ParsedDigest,
): Promise<void> {
  // A blob the repository has already (`created: false`) is a success too, as the spec wants.
  await uploads.complete({
    registryId,
    repositoryName: name,
    uploadId,
    layerDigests: [digest.digest],
    rules: FREE_CHUNKS,
    digestAlgorithm: digest.algorithm,
  });
  res.status(201);
  res.setHeader('Location', blobLocation(name, digest.digest));
  res.setHeader(CONTENT_DIGEST_HEADER, digest.digest);
  res.setHeader('Content-Length', 0);
  res.end();
}

function uploadAccepted(
  res: Response,
  status: 202 | 204,
  name: string,
  uploadId: string,
  bytesReceived: number,
): void {
  res.status(status);
  res.setHeader('Location', uploadLocation(name, uploadId));
  res.setHeader('Range', uploadRange(bytesReceived));
  res.setHeader(UPLOAD_UUID_HEADER, uploadId);
  res.setHeader('Content-Length', 0);
  res.end();
}

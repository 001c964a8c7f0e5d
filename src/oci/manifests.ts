import type { Request } from 'express';
import { createHash } from 'node:crypto';
import { principalArnOf } from '../auth/principal';
import { digestsEqual, type ParsedDigest } from '../crypto/digest';
import type { ImageId } from '../images/images.service';
import { admitBody, readLimited } from './body';
import type { OciCall } from './oci-call';
import { OciError } from './oci-errors';
import { isTag, parseReference } from './oci-grammar';
import { CONTENT_DIGEST_HEADER, manifestLocation, SUBJECT_HEADER } from './oci-headers';
import { blobDigest, query } from './params';

/** Manifests larger than this are refused (413); the spec asks registries to take 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

function manifestTooLarge(): OciError {
  return new OciError(
    'MANIFEST_INVALID',
    `A manifest holds at most ${MAX_MANIFEST_BYTES} bytes`,
    undefined,
    413,
  );
}

function imageId(reference: string): { id: ImageId; digest?: ParsedDigest } {
  const parsed = parseReference(reference);
  if (!parsed) {
    if (reference.includes(':')) {
      throw new OciError('DIGEST_INVALID', `Invalid digest '${reference.slice(0, 200)}'`);
    }
    throw new OciError(
      'TAG_INVALID',
      `Invalid tag '${reference.slice(0, 200)}': it must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`,
    );
  }
  return 'tag' in parsed
    ? { id: { imageTag: parsed.tag } }
    : { id: { imageDigest: parsed.digest.digest }, digest: parsed.digest };
}

/**
 * The image a manifest reference names, by tag or by its sha256 digest (images are known by
 * it); a sha512 reference is looked up by the stored bytes' SHA-512. `asked` is the digest
 * the client named, which the answer's Docker-Content-Digest repeats.
 */
async function manifestId({
  registryId,
  name,
  arg: reference,
  repositories,
  images,
}: OciCall): Promise<{ id: ImageId; asked?: ParsedDigest }> {
  // No manifest has a reference that is neither a tag nor a digest: reading one is a miss (as
  // in CNCF distribution, whose routes do not match it, and as the conformance suite's pull of
  // `.INVALID_MANIFEST_NAME` expects), while pushing one is TAG_INVALID.
  if (!reference.includes(':') && !isTag(reference)) {
    await repositories.require(registryId, name);
    throw new OciError(
      'MANIFEST_UNKNOWN',
      `The manifest '${reference.slice(0, 200)}' is not in '${name}'`,
    );
  }
  const { id, digest } = imageId(reference);
  if (digest?.algorithm !== 'sha512') return { id, asked: digest };
  const canonical = await images.canonicalDigest(registryId, name, digest.digest);
  if (!canonical) {
    throw new OciError('MANIFEST_UNKNOWN', `The manifest '${reference}' is not in '${name}'`);
  }
  return { id: { imageDigest: canonical }, asked: digest };
}

/** `GET` and `HEAD /v2/<name>/manifests/<reference>`. */
export async function getManifest(call: OciCall): Promise<void> {
  const { req, res, registryId, name, arg, images, accountId, accessKeyId } = call;
  const { id, asked } = await manifestId(call);
  // The same negotiation as BatchGetImage's acceptedMediaTypes: by tag, Docker schema 2 and
  // OCI convert to whichever the client accepts; by digest, the stored bytes.
  const { images: found } = await images.batchGet(
    registryId,
    name,
    [id],
    acceptedTypes(req),
    principalArnOf(accountId, accessKeyId),
  );
  const image = found[0];
  if (!image) throw new OciError('MANIFEST_UNKNOWN', `The manifest '${arg}' is not in '${name}'`);
  const body = Buffer.from(image.manifest, 'utf8');
  res.status(200);
  res.setHeader('Content-Type', image.mediaType);
  res.setHeader('Content-Length', body.length);
  // By digest, the stored bytes: their digest in the algorithm asked for.
  res.setHeader(CONTENT_DIGEST_HEADER, asked?.digest ?? image.digest);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** `PUT /v2/<name>/manifests/<reference>`: stores the manifest, and moves the tag. */
export async function putManifest(call: OciCall): Promise<void> {
  const { req, res, registryId, name, arg, images } = call;
  const { id, digest: reference } = imageId(arg);
  // The digest the client pushes by: the reference, or with a tag the spec's `?digest=`.
  const given = query(req, 'digest');
  const wanted = reference ?? (given === undefined ? undefined : blobDigest(given));
  // Held in memory within the bounds of the ECR door's bodies, until the answer is out.
  res.once('close', await admitBody(call, MAX_MANIFEST_BYTES, manifestTooLarge));
  const bytes = await readLimited(call.body(), MAX_MANIFEST_BYTES, manifestTooLarge);
  await call.recheckKey();
  let manifest: string;
  try {
    manifest = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new OciError('MANIFEST_INVALID', 'A manifest is JSON in UTF-8');
  }
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
  if (wanted?.algorithm === 'sha512') {
    const computed = `sha512:${createHash('sha512').update(bytes).digest('hex')}`;
    if (!digestsEqual(wanted.digest, computed)) {
      throw new OciError(
        'DIGEST_INVALID',
        `The provided image digest '${wanted.digest}' does not match the digest '${computed}' calculated for the manifest`,
      );
    }
  }
  // Pushing what is there already is a success on this door (`created: false`), as the spec
  // wants; the stored image has its subject, so the referrers API lists it either way.
  const stored = await images.put({
    registryId,
    repositoryName: name,
    manifest,
    // A client that names no type (or a generic one) leaves it to the manifest's mediaType.
    mediaType:
      contentType &&
      contentType !== 'application/octet-stream' &&
      contentType !== 'application/json'
        ? contentType
        : undefined,
    tag: id.imageTag,
    digest: wanted?.algorithm === 'sha256' ? wanted.digest : undefined,
  });
  const { subject } = stored;
  // The image is known by its sha256 digest; a client that pushed by a sha512 one is answered
  // in its terms, as the spec wants the digest answered to be the one the client gave.
  const digest = wanted?.digest ?? stored.digest;
  res.status(201);
  res.setHeader('Location', manifestLocation(name, digest));
  // The referrers API lists this manifest: the client need not maintain a referrers tag.
  if (subject) res.setHeader(SUBJECT_HEADER, subject);
  res.setHeader(CONTENT_DIGEST_HEADER, digest);
  res.setHeader('Content-Length', 0);
  res.end();
}

/** `DELETE /v2/<name>/manifests/<reference>`: by digest the image, by tag the tag. */
export async function deleteManifest(call: OciCall): Promise<void> {
  const { res, registryId, name, arg, images } = call;
  const { id } = await manifestId(call);
  const { failures } = await images.batchDelete(registryId, name, [id]);
  const failure = failures[0];
  if (failure) {
    if (failure.failureCode === 'ImageReferencedByManifestList') {
      throw new OciError('DENIED', failure.failureReason);
    }
    throw new OciError('MANIFEST_UNKNOWN', `The manifest '${arg}' is not in '${name}'`);
  }
  res.status(202).setHeader('Content-Length', 0);
  res.end();
}

/**
 * The media types an `Accept` header names, without parameters; undefined when it names none or
 * accepts any type (a wildcard range), so that the stored manifest is served as it is.
 */
export function acceptedTypes(req: Request): string[] | undefined {
  const header = req.headers.accept;
  if (header === undefined) return undefined;
  const types = header
    .split(',')
    .map((part) => part.split(';')[0].trim().toLowerCase())
    .filter((type) => type.length > 0);
  if (types.length === 0 || types.some((type) => type === '*/*' || type.endsWith('/*'))) {
    return undefined;
  }
  return types;
}

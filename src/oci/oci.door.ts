import { clientWentAway } from '../common/client-gone';
import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { RegistryException } from '../common/errors/registry-exception';
import { answerRange } from '../common/http-range';
import { UPLOAD_ID_PATTERN } from '../common/patterns';
import { AccessKeysService } from '../auth/access-keys.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { digestsEqual, type DigestAlgorithm, type ParsedDigest } from '../crypto/digest';
import { ImagesService, type ImageId } from '../images/images.service';
import { LayersService } from '../layers/layers.service';
import { ROOT_LOGGER } from '../logging/logger';
import type { RequestLogLocals } from '../logging/request-log.middleware';
import { RateLimits } from '../rate-limits/rate-limits';
import { RepositoriesService } from '../repositories/repositories.service';
import { TokensService } from '../tokens/tokens.service';
import { FREE_CHUNKS, UploadsService } from '../uploads/uploads.service';
import { parseBasicAuthorization, REGISTRY_USER, wwwAuthenticate } from './basic-auth';
import { OCI_ERROR_MAP } from './oci-error-map';
import { ecrOperationOf, operationName, type RouteKind } from './oci-operations';
import { OciError, ociErrorBody, type OciErrorCode } from './oci-errors';
import { isRepositoryName, isTag, parseOciDigest, parseReference } from './oci-grammar';
import {
  API_VERSION,
  API_VERSION_HEADER,
  blobLocation,
  CONTENT_DIGEST_HEADER,
  FILTERS_APPLIED_HEADER,
  manifestLocation,
  nextLink,
  parseContentRange,
  parsePageSize,
  SUBJECT_HEADER,
  UPLOAD_UUID_HEADER,
  uploadLocation,
  uploadRange,
} from './oci-headers';

/** Manifests larger than this are refused (413); the spec asks registries to take 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** The largest page of tags or repositories; a larger `n` is cut to it, with a `Link`. */
export const MAX_PAGE = 1000;

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const UPLOAD_ID = new RegExp(`^${UPLOAD_ID_PATTERN}$`);
const EXPIRED = 'Your authorization token has expired. Reauthenticate and try again.';

/** The routes of the API under `/v2`, the repository name being any path before them. */
const ROUTES: { kind: RouteKind; pattern: RegExp }[] = [
  { kind: 'uploads', pattern: /^\/(.+)\/blobs\/uploads\/?([^/]*)$/ },
  { kind: 'blob', pattern: /^\/(.+)\/blobs\/([^/]+)$/ },
  { kind: 'manifest', pattern: /^\/(.+)\/manifests\/([^/]+)$/ },
  { kind: 'tags', pattern: /^\/(.+)\/tags\/list$/ },
  { kind: 'referrers', pattern: /^\/(.+)\/referrers\/([^/]+)$/ },
];

interface Route {
  kind: RouteKind;
  name: string;
  /** The upload id, the digest or the reference after the route's keyword. */
  arg: string;
}

function route(path: string): Route | undefined {
  if (path === '' || path === '/') return { kind: 'base', name: '', arg: '' };
  if (path === '/_catalog') return { kind: 'catalog', name: '', arg: '' };
  for (const { kind, pattern } of ROUTES) {
    const match = pattern.exec(path);
    if (match) return { kind, name: match[1], arg: match[2] ?? '' };
  }
  return undefined;
}

function query(req: Request, key: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

function unsupportedMethod(req: Request): OciError {
  return new OciError('UNSUPPORTED', `The method ${req.method} is not supported here`);
}

/** Whether the request says it has a body (a length above 0, or chunked). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

async function readLimited(req: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new OciError(
        'MANIFEST_INVALID',
        `A manifest holds at most ${limit} bytes`,
        undefined,
        413,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The OCI Distribution API (`/v2`), the second front door: HTTP Basic with an ECR token, then
 * the same domain services the ECR door calls, and their errors in the OCI format
 * (oci-error-map.ts). Mounted on the Express app ahead of Nest's routes, so it reads request
 * bodies as streams, as they arrive.
 */
@Injectable()
export class OciDoor {
  constructor(
    private readonly repositories: RepositoriesService,
    private readonly uploads: UploadsService,
    private readonly layers: LayersService,
    private readonly images: ImagesService,
    private readonly tokens: TokensService,
    private readonly keys: AccessKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly rateLimits: RateLimits,
  ) {}

  /** The Express handler for everything under `/v2` (the path is the request's whole path). */
  readonly handler = (req: Request, res: Response, next: NextFunction): void => {
    void next;
    this.handle(req, res).catch((err: unknown) => this.fail(req, res, err));
  };

  private async handle(req: Request, res: Response): Promise<void> {
    res.setHeader(API_VERSION_HEADER, API_VERSION);
    const rawPath = req.path.slice('/v2'.length);
    let path: string | undefined;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = undefined;
    }
    const found = path === undefined ? undefined : route(path);
    // For the request log and the metrics, named before authentication so that refusals are
    // counted by operation too: a short, fixed list of names, never the repository or digest.
    (res.locals as RequestLogLocals).operation = found
      ? operationName(found.kind, req.method, found.arg, (key) => query(req, key))
      : 'Unmatched';
    const registryId = await this.authenticate(req);
    if (path === undefined) {
      throw new OciError('NAME_INVALID', 'The path is not valid percent-encoding');
    }
    if (!found) throw new OciError('UNSUPPORTED', 'No such endpoint', undefined, 404);
    if (found.kind !== 'base' && found.kind !== 'catalog' && !isRepositoryName(found.name)) {
      throw new OciError(
        'NAME_INVALID',
        `Invalid repository name '${found.name.slice(0, 300)}': it must match [a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)* and be under 256 characters`,
      );
    }
    const m = req.method;
    this.throttle(registryId, found, m);
    switch (found.kind) {
      case 'base':
        if (m !== 'GET' && m !== 'HEAD') throw unsupportedMethod(req);
        return this.sendJson(req, res, 200, {});
      case 'catalog':
        if (m !== 'GET') throw unsupportedMethod(req);
        return this.catalog(req, res, registryId);
      case 'tags':
        if (m !== 'GET') throw unsupportedMethod(req);
        return this.tags(req, res, registryId, found.name);
      case 'manifest':
        if (m === 'GET' || m === 'HEAD') return this.getManifest(req, res, registryId, found);
        if (m === 'PUT') return this.putManifest(req, res, registryId, found);
        if (m === 'DELETE') return this.deleteManifest(req, res, registryId, found);
        throw unsupportedMethod(req);
      case 'blob':
        if (m === 'GET' || m === 'HEAD') return this.getBlob(req, res, registryId, found);
        if (m === 'DELETE') {
          throw new OciError(
            'UNSUPPORTED',
            'Blobs are not deleted one by one: a blob no manifest references is collected',
          );
        }
        throw unsupportedMethod(req);
      case 'uploads':
        return this.upload(req, res, registryId, found);
      case 'referrers':
        if (m !== 'GET') throw unsupportedMethod(req);
        return this.referrers(req, res, registryId, found);
    }
  }

  /**
   * Spends the account's rate of the ECR operation the request stands for (the same buckets as
   * the ECR door's); past it, 429 TOOMANYREQUESTS with the seconds to wait in Retry-After.
   */
  private throttle(registryId: string, found: Route, method: string): void {
    const operation = ecrOperationOf(found.kind, method, found.arg);
    if (!operation) return;
    const waitMs = this.rateLimits.take(registryId, operation);
    if (waitMs > 0) {
      throw new OciError('TOOMANYREQUESTS', 'Rate exceeded', {
        operation,
        retryAfterSeconds: Math.ceil(waitMs / 1000),
      });
    }
  }

  /** The registry of the caller's token; 401 with the Basic challenge when there is none. */
  private async authenticate(req: Request): Promise<string> {
    const unauthorized = (message: string): OciError =>
      new OciError('UNAUTHORIZED', message, undefined, 401);
    const credentials = parseBasicAuthorization(req.headers.authorization);
    if (!credentials) throw unauthorized('Authentication is required: HTTP Basic, user AWS');
    if (credentials.username !== REGISTRY_USER) {
      throw unauthorized(`The user name must be ${REGISTRY_USER}`);
    }
    const token = this.tokens.read(credentials.password);
    if (!token) throw unauthorized('The password is not an authorization token of this registry');
    if (token.expired) throw new OciError('DENIED', EXPIRED);
    await this.requireActiveKey(token.claims);
    return token.claims.registryId;
  }

  /**
   * A token is honoured only while the key it was issued to is active (read within the same
   * ACCESS_KEY_CACHE_TTL as a signed ECR call), and still the account's.
   */
  private async requireActiveKey(claims: {
    accessKeyId?: string;
    registryId: string;
  }): Promise<void> {
    const { accessKeyId, registryId } = claims;
    const key = accessKeyId === undefined ? undefined : await this.keys.findActive(accessKeyId);
    if (!key || key.accountId !== registryId) {
      throw new OciError(
        'UNAUTHORIZED',
        'The access key this token was issued to is no longer active; log in again',
        undefined,
        401,
      );
    }
  }

  /**
   * The check of an authenticated request's key again, before each commit of its body: a body can
   * take longer than the key cache's lifetime to arrive, and a key deactivated meanwhile must not
   * store anything more (the admin call answers once no instance accepts the key any more).
   */
  private keyRecheck(req: Request): () => Promise<void> {
    const credentials = parseBasicAuthorization(req.headers.authorization);
    const token = credentials && this.tokens.read(credentials.password);
    if (!token) throw new Error('the request was not authenticated');
    return () => this.requireActiveKey(token.claims);
  }

  private async catalog(req: Request, res: Response, registryId: string): Promise<void> {
    const n = this.pageSize(req);
    const last = query(req, 'last');
    const limit = n ?? MAX_PAGE;
    const page =
      limit === 0
        ? { repositories: [] }
        : await this.repositories.list(registryId, limit, last || undefined);
    const names = page.repositories.map((r) => r.name);
    if ('lastName' in page && page.lastName) {
      res.setHeader('Link', nextLink('/v2/_catalog', limit, page.lastName));
    }
    this.sendJson(req, res, 200, { repositories: names });
  }

  private async tags(req: Request, res: Response, registryId: string, name: string): Promise<void> {
    const limit = this.pageSize(req) ?? MAX_PAGE;
    const last = query(req, 'last');
    const page = await this.images.listTags(registryId, name, limit, last || undefined);
    if (page.more) {
      res.setHeader(
        'Link',
        nextLink(`/v2/${name}/tags/list`, limit, page.tags[page.tags.length - 1]),
      );
    }
    this.sendJson(req, res, 200, { name, tags: page.tags });
  }

  private pageSize(req: Request): number | undefined {
    const n = parsePageSize((req.query as Record<string, unknown>).n, MAX_PAGE);
    if (n === null) {
      throw new OciError('PAGINATION_NUMBER_INVALID', 'n must be a non-negative integer');
    }
    return n;
  }

  private imageId(reference: string): { id: ImageId; digest?: ParsedDigest } {
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
  private async manifestId(
    registryId: string,
    name: string,
    reference: string,
  ): Promise<{ id: ImageId; asked?: ParsedDigest }> {
    // No manifest has a reference that is neither a tag nor a digest: reading one is a miss (as
    // in CNCF distribution, whose routes do not match it, and as the conformance suite's pull of
    // `.INVALID_MANIFEST_NAME` expects), while pushing one is TAG_INVALID.
    if (!reference.includes(':') && !isTag(reference)) {
      await this.repositories.require(registryId, name);
      throw new OciError(
        'MANIFEST_UNKNOWN',
        `The manifest '${reference.slice(0, 200)}' is not in '${name}'`,
      );
    }
    const { id, digest } = this.imageId(reference);
    if (digest?.algorithm !== 'sha512') return { id, asked: digest };
    const canonical = await this.images.canonicalDigest(registryId, name, digest.digest);
    if (!canonical) {
      throw new OciError('MANIFEST_UNKNOWN', `The manifest '${reference}' is not in '${name}'`);
    }
    return { id: { imageDigest: canonical }, asked: digest };
  }

  private async getManifest(
    req: Request,
    res: Response,
    registryId: string,
    { name, arg }: Route,
  ): Promise<void> {
    const { id, asked } = await this.manifestId(registryId, name, arg);
    // The same negotiation as BatchGetImage's acceptedMediaTypes: by tag, Docker schema 2 and
    // OCI convert to whichever the client accepts; by digest, the stored bytes.
    const { images } = await this.images.batchGet(registryId, name, [id], acceptedTypes(req));
    const image = images[0];
    if (!image) throw new OciError('MANIFEST_UNKNOWN', `The manifest '${arg}' is not in '${name}'`);
    const body = Buffer.from(image.manifest, 'utf8');
    res.status(200);
    res.setHeader('Content-Type', image.mediaType);
    res.setHeader('Content-Length', body.length);
    // By digest, the stored bytes: their digest in the algorithm asked for.
    res.setHeader(CONTENT_DIGEST_HEADER, asked?.digest ?? image.digest);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private async putManifest(
    req: Request,
    res: Response,
    registryId: string,
    { name, arg }: Route,
  ): Promise<void> {
    const { id, digest: reference } = this.imageId(arg);
    // The digest the client pushes by: the reference, or with a tag the spec's `?digest=`.
    const given = query(req, 'digest');
    const wanted = reference ?? (given === undefined ? undefined : this.blobDigest(given));
    const bytes = await readLimited(req, MAX_MANIFEST_BYTES);
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
    const stored = await this.images.put({
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

  private async deleteManifest(
    req: Request,
    res: Response,
    registryId: string,
    { name, arg }: Route,
  ): Promise<void> {
    const { id } = await this.manifestId(registryId, name, arg);
    const { failures } = await this.images.batchDelete(registryId, name, [id]);
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

  /** The referrers API: an image index of the manifests whose `subject` is the digest. */
  private async referrers(
    req: Request,
    res: Response,
    registryId: string,
    { name, arg }: Route,
  ): Promise<void> {
    const digest = this.blobDigest(arg);
    const artifactType = query(req, 'artifactType');
    const manifests = await this.images.referrers(
      registryId,
      name,
      digest.digest,
      artifactType || undefined,
    );
    if (artifactType) res.setHeader(FILTERS_APPLIED_HEADER, 'artifactType');
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests,
    });
    res.status(200);
    res.setHeader('Content-Type', OCI_INDEX);
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }

  private blobDigest(value: string): ParsedDigest {
    const digest = parseOciDigest(value);
    if (!digest) throw new OciError('DIGEST_INVALID', `Invalid digest '${value.slice(0, 200)}'`);
    return digest;
  }

  private async getBlob(
    req: Request,
    res: Response,
    registryId: string,
    { name, arg }: Route,
  ): Promise<void> {
    const digest = this.blobDigest(arg);
    // HEAD, which docker sends for every layer it pushes, needs no bytes: a layer check answers
    // it (from the cache when it can).
    const content =
      req.method === 'HEAD'
        ? await this.layers.find(registryId, name, digest.digest)
        : await this.layers.content(
            (await this.repositories.require(registryId, name)).id,
            digest.digest,
          );
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
    await content.send(start, end, res);
  }

  private async upload(req: Request, res: Response, registryId: string, r: Route): Promise<void> {
    const { name, arg } = r;
    if (arg === '') {
      if (req.method !== 'POST') throw unsupportedMethod(req);
      return this.startUpload(req, res, registryId, name);
    }
    if (!UPLOAD_ID.test(arg)) {
      throw new OciError('BLOB_UPLOAD_UNKNOWN', `No upload '${arg.slice(0, 100)}' in '${name}'`);
    }
    const uploadId = arg.toLowerCase();
    switch (req.method) {
      case 'GET': {
        const { bytesReceived } = await this.uploads.status(registryId, name, uploadId);
        return this.uploadAccepted(res, 204, name, uploadId, bytesReceived);
      }
      case 'PATCH': {
        const { bytesReceived } = await this.append(req, registryId, name, uploadId);
        return this.uploadAccepted(res, 202, name, uploadId, bytesReceived);
      }
      case 'PUT': {
        const digest = this.completionDigest(req);
        if (hasBody(req)) await this.append(req, registryId, name, uploadId);
        return this.complete(res, registryId, name, uploadId, digest);
      }
      case 'DELETE':
        await this.uploads.cancel(registryId, name, uploadId);
        res.status(204).end();
        return;
      default:
        throw unsupportedMethod(req);
    }
  }

  private async startUpload(
    req: Request,
    res: Response,
    registryId: string,
    name: string,
  ): Promise<void> {
    const mount = query(req, 'mount');
    const from = query(req, 'from');
    if (mount !== undefined && from !== undefined) {
      const digest = parseOciDigest(mount);
      if (digest && isRepositoryName(from)) {
        if (await this.uploads.mount(registryId, name, from, digest.digest)) {
          req.resume();
          res.status(201);
          res.setHeader('Location', blobLocation(name, digest.digest));
          res.setHeader(CONTENT_DIGEST_HEADER, digest.digest);
          res.setHeader('Content-Length', 0);
          res.end();
          return;
        }
      }
      // Not mountable (or not readable by the caller): an upload to send the bytes, as the spec
      // allows.
    }
    const monolithic = query(req, 'digest');
    const digest = monolithic === undefined ? undefined : this.completionDigest(req);
    // A client pushing a sha512 blob in chunks says so up front (the spec's `digest-algorithm`),
    // so that the upload is hashed with SHA-512 as its bytes arrive.
    const digestAlgorithm = digest?.algorithm ?? this.announcedAlgorithm(req);
    const { uploadId } = await this.uploads.initiate(registryId, name, { digestAlgorithm });
    if (digest) {
      await this.append(req, registryId, name, uploadId);
      return this.complete(res, registryId, name, uploadId, digest);
    }
    req.resume();
    this.uploadAccepted(res, 202, name, uploadId, 0);
  }

  /** The `digest` a completion names: required, sha256 or sha512. */
  private completionDigest(req: Request): ParsedDigest {
    const given = query(req, 'digest');
    if (given === undefined) {
      throw new OciError('DIGEST_INVALID', 'The digest query parameter is required');
    }
    return this.blobDigest(given);
  }

  /** The `digest-algorithm` of an upload's POST: sha256 when absent. */
  private announcedAlgorithm(req: Request): DigestAlgorithm {
    const given = query(req, 'digest-algorithm');
    if (given === undefined || given === 'sha256' || given === 'sha512') return given ?? 'sha256';
    throw new OciError(
      'DIGEST_INVALID',
      `Unsupported digest algorithm '${given.slice(0, 50)}': Berth verifies sha256 and sha512`,
    );
  }

  private async append(
    req: Request,
    registryId: string,
    name: string,
    uploadId: string,
  ): Promise<{ bytesReceived: number }> {
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
    return this.uploads.append({
      registryId,
      repositoryName: name,
      uploadId,
      rules: FREE_CHUNKS,
      start,
      declared,
      body: req as AsyncIterable<Buffer>,
      beforeCommit: this.keyRecheck(req),
    });
  }

  private async complete(
    res: Response,
    registryId: string,
    name: string,
    uploadId: string,
    digest: ParsedDigest,
  ): Promise<void> {
    // A blob the repository has already (`created: false`) is a success too, as the spec wants.
    await this.uploads.complete({
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

  private uploadAccepted(
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

  private sendJson(req: Request, res: Response, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.status(status);
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  /** The one mapping of failures to the OCI error format. */
  private fail(req: Request, res: Response, err: unknown): void {
    let code: OciErrorCode;
    let status: number;
    let message: string;
    let detail: unknown;
    if (err instanceof OciError) {
      ({ code, status, message, detail } = err);
    } else if (err instanceof RegistryException) {
      ({ code, status } = OCI_ERROR_MAP[err.name]);
      message = err.message;
      const details = Object.entries(err.details).filter(([, v]) => v !== undefined);
      if (details.length > 0) detail = Object.fromEntries(details);
    } else {
      if (req.destroyed && !req.complete) {
        this.logger.info({ err }, 'the client went away before its request had arrived');
      } else if (clientWentAway(res, err)) {
        this.logger.info({ err }, 'the client went away before its answer had been sent');
      } else {
        this.logger.error({ err, method: req.method, path: req.path }, 'unexpected failure');
      }
      code = 'UNKNOWN';
      status = 500;
      message = 'An internal error occurred. Retry the request later.';
    }
    (res.locals as RequestLogLocals).errorName = code;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // What is left of the body is read and dropped, so that the connection stays usable.
    if (!req.complete) req.resume();
    if (status === 401) res.setHeader('WWW-Authenticate', wwwAuthenticate(this.config.publicUrl));
    if (code === 'TOOMANYREQUESTS') {
      const wait = (detail as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      res.setHeader('Retry-After', String(wait ?? 1));
    }
    if (code === 'BLOB_UPLOAD_INVALID' && status === 416 && err instanceof RegistryException) {
      const last = err.details.lastValidByteReceived;
      res.setHeader('Range', uploadRange(typeof last === 'number' ? last + 1 : 0));
    }
    this.sendJson(req, res, status, ociErrorBody(code, message, detail));
  }
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

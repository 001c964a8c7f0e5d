import { checkApi, listRepositories } from './catalog';
import { deleteBlob, getBlob } from './blobs';
import { deleteManifest, getManifest, putManifest } from './manifests';
import type { OciHandler } from './oci-call';
import { listReferrers } from './referrers';
import { listTags } from './tags';
import {
  cancelUpload,
  completeUpload,
  getUpload,
  mountBlob,
  patchUpload,
  pushBlob,
  startUpload,
  uploadIdArg,
} from './uploads';

// The one table of the /v2 door: which method on which path is which operation, spending which
// ECR action's quota, answered by which handler (CNCF distribution's and zot's routes are the
// model). The operation names are the request log's and the metrics' `operation`: a short,
// fixed list (never a repository, a digest or a raw method), in the style of ECR's names.

/** The ECR actions /v2 requests stand for, as ECR documents docker's registry requests. */
export type EcrAction =
  | 'BatchCheckLayerAvailability'
  | 'GetDownloadUrlForLayer'
  | 'InitiateLayerUpload'
  | 'UploadLayerPart'
  | 'CompleteLayerUpload'
  | 'BatchGetImage'
  | 'PutImage'
  | 'BatchDeleteImage'
  | 'ListImages'
  | 'ListImageReferrers'
  | 'DescribeRepositories';

interface OciPath {
  /** The repository name is group 1 (any path before the keyword), the argument group 2. */
  readonly pattern: RegExp;
  /** Reads the argument before the method is looked at: refuses it, or normalises it. */
  readonly readArg?: (arg: string, name: string) => string;
}

/** The paths under `/v2`, tried in this order. */
const PATHS = {
  base: { pattern: /^\/?$/ },
  catalog: { pattern: /^\/_catalog$/ },
  uploads: { pattern: /^\/(.+)\/blobs\/uploads\/?$/ },
  upload: { pattern: /^\/(.+)\/blobs\/uploads\/?([^/]+)$/, readArg: uploadIdArg },
  blob: { pattern: /^\/(.+)\/blobs\/([^/]+)$/ },
  manifest: { pattern: /^\/(.+)\/manifests\/([^/]+)$/ },
  tags: { pattern: /^\/(.+)\/tags\/list$/ },
  referrers: { pattern: /^\/(.+)\/referrers\/([^/]+)$/ },
} satisfies Record<string, OciPath>;

export type OciPathName = keyof typeof PATHS;

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OciRoute {
  readonly methods: readonly Method[];
  readonly path: OciPathName;
  readonly operation: string;
  /** The ECR action whose request-rate quota the request spends; null for none. */
  readonly ecrAction: EcrAction | null;
  readonly handler: OciHandler;
  /** Taken only when this query parameter is given (the forms of an upload's POST). */
  readonly withQuery?: string;
}

function route(
  method: Method | Method[],
  path: OciPathName,
  operation: string,
  ecrAction: EcrAction | null,
  handler: OciHandler,
  withQuery?: string,
): OciRoute {
  const methods = typeof method === 'string' ? [method] : method;
  return { methods, path, operation, ecrAction, handler, withQuery };
}

/** Tried in order: the first row of the path and method whose query fits is taken. */
export const ROUTES: readonly OciRoute[] = [
  route(['GET', 'HEAD'], 'base', 'CheckApi', null, checkApi),
  route('GET', 'catalog', 'ListRepositories', 'DescribeRepositories', listRepositories),
  route('GET', 'tags', 'ListTags', 'ListImages', listTags),
  route('GET', 'manifest', 'GetManifest', 'BatchGetImage', getManifest),
  route('HEAD', 'manifest', 'HeadManifest', 'BatchGetImage', getManifest),
  route('PUT', 'manifest', 'PutManifest', 'PutImage', putManifest),
  route('DELETE', 'manifest', 'DeleteManifest', 'BatchDeleteImage', deleteManifest),
  route('GET', 'blob', 'GetBlob', 'GetDownloadUrlForLayer', getBlob),
  route('HEAD', 'blob', 'HeadBlob', 'BatchCheckLayerAvailability', getBlob),
  route('DELETE', 'blob', 'DeleteBlob', null, deleteBlob),
  route('POST', 'uploads', 'MountBlob', 'InitiateLayerUpload', mountBlob, 'mount'),
  route('POST', 'uploads', 'PushBlob', 'InitiateLayerUpload', pushBlob, 'digest'),
  route('POST', 'uploads', 'StartUpload', 'InitiateLayerUpload', startUpload),
  route('GET', 'upload', 'GetUpload', null, getUpload),
  route('PATCH', 'upload', 'PatchUpload', 'UploadLayerPart', patchUpload),
  route('PUT', 'upload', 'CompleteUpload', 'CompleteLayerUpload', completeUpload),
  route('DELETE', 'upload', 'CancelUpload', null, cancelUpload),
  route('GET', 'referrers', 'ListReferrers', 'ListImageReferrers', listReferrers),
];

/** A request's path in the table: its route, unless the path does not take the method. */
export interface RouteMatch {
  readonly path: OciPathName;
  readonly route?: OciRoute;
  /** The repository (empty for `/v2/` and the catalog). */
  readonly name: string;
  /** What follows the path's keyword, as sent (`readArgument` checks it). */
  readonly arg: string;
}

/**
 * The route of a request to `/v2<path>` (the path decoded), or undefined when no path of the
 * API matches. `query` reads a query parameter.
 */
export function matchRoute(
  method: string,
  path: string,
  query: (key: string) => string | undefined,
): RouteMatch | undefined {
  for (const [pathName, { pattern }] of Object.entries(PATHS) as [OciPathName, OciPath][]) {
    const match = pattern.exec(path);
    if (!match) continue;
    const found = ROUTES.find(
      (r) =>
        r.path === pathName &&
        (r.methods as readonly string[]).includes(method) &&
        (r.withQuery === undefined || query(r.withQuery) !== undefined),
    );
    return { path: pathName, route: found, name: match[1] ?? '', arg: match[2] ?? '' };
  }
  return undefined;
}

/**
 * The operation's name, for the request log and the metrics: `Unsupported` for a method its
 * path does not take, `Unmatched` for no path of the API.
 */
export function operationOf(match: RouteMatch | undefined): string {
  return match ? (match.route?.operation ?? 'Unsupported') : 'Unmatched';
}

/** Whether the path names a repository (all but `/v2/` and the catalog). */
export function namesRepository(path: OciPathName): boolean {
  return path !== 'base' && path !== 'catalog';
}

/** The argument as the path reads it, before the method is looked at. */
export function readArgument({ path, arg, name }: RouteMatch): string {
  const read = (PATHS[path] as OciPath).readArg;
  return read ? read(arg, name) : arg;
}

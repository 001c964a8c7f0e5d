// The names of the /v2 door's requests: the operation each is (for the request log and the
// metrics) and the ECR operation whose request-rate quota it spends.

/** The routes of the API under `/v2`. */
export type RouteKind = 'base' | 'catalog' | 'uploads' | 'blob' | 'manifest' | 'tags' | 'referrers';

/** The operation names of /v2 requests, by route kind and method (others are Unsupported). */
const OPERATIONS: Record<RouteKind, Partial<Record<string, string>>> = {
  base: { GET: 'CheckApi', HEAD: 'CheckApi' },
  catalog: { GET: 'ListRepositories' },
  tags: { GET: 'ListTags' },
  manifest: {
    GET: 'GetManifest',
    HEAD: 'HeadManifest',
    PUT: 'PutManifest',
    DELETE: 'DeleteManifest',
  },
  blob: { GET: 'GetBlob', HEAD: 'HeadBlob', DELETE: 'DeleteBlob' },
  uploads: {
    POST: 'StartUpload',
    GET: 'GetUpload',
    PATCH: 'PatchUpload',
    PUT: 'CompleteUpload',
    DELETE: 'CancelUpload',
  },
  referrers: { GET: 'ListReferrers' },
};

/**
 * The name of a /v2 request's operation, for the request log and the `operation` label of the
 * metrics: one of a fixed list (never a repository, a digest or a raw method), in the style of
 * the ECR API's operation names. A POST that mounts or pushes a whole blob is named for it.
 */
export function operationName(
  kind: RouteKind,
  method: string,
  arg: string,
  query: (key: string) => string | undefined,
): string {
  if (kind === 'uploads') {
    // `…/uploads/` takes POST only, `…/uploads/<id>` everything but POST.
    if ((arg === '') !== (method === 'POST')) return 'Unsupported';
    if (method === 'POST' && query('mount') !== undefined) return 'MountBlob';
    if (method === 'POST' && query('digest') !== undefined) return 'PushBlob';
  }
  return OPERATIONS[kind][method] ?? 'Unsupported';
}

/**
 * The ECR operation a /v2 request stands for, whose request-rate quota it spends: the registry
 * API actions ECR documents docker's requests as (a blob HEAD is BatchCheckLayerAvailability, a
 * blob GET GetDownloadUrlForLayer, a manifest GET BatchGetImage, …). Undefined for requests no
 * operation stands for (`GET /v2/`, an upload's status or cancellation).
 */
export function ecrOperationOf(kind: RouteKind, method: string, arg: string): string | undefined {
  switch (kind) {
    case 'blob':
      if (method === 'HEAD') return 'BatchCheckLayerAvailability';
      return method === 'GET' ? 'GetDownloadUrlForLayer' : undefined;
    case 'uploads':
      if (arg === '') return method === 'POST' ? 'InitiateLayerUpload' : undefined;
      if (method === 'PATCH') return 'UploadLayerPart';
      return method === 'PUT' ? 'CompleteLayerUpload' : undefined;
    case 'manifest':
      if (method === 'GET' || method === 'HEAD') return 'BatchGetImage';
      if (method === 'PUT') return 'PutImage';
      return method === 'DELETE' ? 'BatchDeleteImage' : undefined;
    case 'tags':
      return 'ListImages';
    case 'referrers':
      return 'ListImageReferrers';
    case 'catalog':
      return 'DescribeRepositories';
    case 'base':
      return undefined;
  }
}

import fc from 'fast-check';
import { Credentials, TEST_CREDENTIALS } from './app';
import { Prng } from './prng';

/**
 * Mutated ECR requests. Each case starts from a valid request of one of the operations Berth serves and
 * applies one to three mutations at one of four levels: the JSON value (a member removed, given
 * another type, a length on either side of its limit, unicode, huge numbers, unknown or
 * prototype-named members, deep nesting), the body bytes (truncated, bytes flipped, invalid
 * UTF-8, not JSON at all), the HTTP request (content type, X-Amz-Target) and the signature
 * (missing, malformed, wrong key or secret, skewed clock, a body other than the signed one).
 * A case is a pure function of (seed, index), so any failure reproduces alone.
 */

export const OPERATIONS = [
  'CreateRepository',
  'DescribeRepositories',
  'DeleteRepository',
  'InitiateLayerUpload',
  'UploadLayerPart',
  'CompleteLayerUpload',
  'BatchCheckLayerAvailability',
  'PutImage',
  'BatchGetImage',
  'DescribeImages',
  'ListImages',
  'ListImageReferrers',
  'BatchDeleteImage',
  'GetDownloadUrlForLayer',
  'GetAuthorizationToken',
  'PutLifecyclePolicy',
  'GetLifecyclePolicy',
  'DeleteLifecyclePolicy',
  'StartLifecyclePolicyPreview',
  'GetLifecyclePolicyPreview',
  'TagResource',
  'UntagResource',
  'ListTagsForResource',
  'PutImageTagMutability',
  'CreateRepositoryCreationTemplate',
  'DescribeRepositoryCreationTemplates',
  'UpdateRepositoryCreationTemplate',
  'DeleteRepositoryCreationTemplate',
  'DescribeRegistry',
  'PutReplicationConfiguration',
  'DescribeImageReplicationStatus',
  'GetAccountSetting',
  'PutAccountSetting',
  'PutRegistryScanningConfiguration',
  'GetRegistryScanningConfiguration',
  'PutImageScanningConfiguration',
  'BatchGetRepositoryScanningConfiguration',
  'StartImageScan',
  'DescribeImageScanFindings',
  'PutRegistryPolicy',
  'GetRegistryPolicy',
  'DeleteRegistryPolicy',
  'RegisterPullTimeUpdateExclusion',
  'ListPullTimeUpdateExclusions',
  'DeregisterPullTimeUpdateExclusion',
  'PutSigningConfiguration',
  'GetSigningConfiguration',
  'DeleteSigningConfiguration',
  'DescribeImageSigningStatus',
  'UpdateImageStorageClass',
  'CreatePullThroughCacheRule',
  'DescribePullThroughCacheRules',
  'UpdatePullThroughCacheRule',
  'DeletePullThroughCacheRule',
  'ValidatePullThroughCacheRule',
  'SetRepositoryPolicy',
  'GetRepositoryPolicy',
  'DeleteRepositoryPolicy',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

/**
 * Errors the ECR front door answers before any operation's handler runs: the SigV4 refusals, an
 * unknown X-Amz-Target, a body that is not the operation's JSON, the input constraints, and a
 * registry id other than the caller's. Handlers raise InvalidParameterException too; it counts
 * here, so that "raised inside a handler" is never overstated. Every other error name is a
 * handler's answer (RepositoryNotFoundException, InvalidLayerPartException, ...).
 */
export const FRONT_DOOR_ERRORS: ReadonlySet<string> = new Set([
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'UnknownOperationException',
  'SerializationException',
  'InvalidParameterException',
  'AccessDeniedException',
]);

/** Where an answer came from: a success, a front-door refusal, or an error of a handler. */
export type AnswerKind = 'success' | 'front door' | 'handler';

export function answerKind(status: number, errorType: string | undefined): AnswerKind {
  if (status === 200) return 'success';
  return errorType !== undefined && !FRONT_DOOR_ERRORS.has(errorType) ? 'handler' : 'front door';
}

/** What the templates draw on: things that exist in the registry under test. */
export interface FuzzState {
  registryId: string;
  repositoryName: string;
  uploadIds: string[];
  layerDigests: string[];
  manifest: string;
  imageDigest: string;
  /** Real page tokens of DescribeRepositories, DescribeImages and ListImages. */
  tokens: string[];
}

/** How a case is signed. */
export type AuthMode =
  | { kind: 'signed'; credentials?: Credentials; signingDate?: Date; signedBody?: Buffer }
  | { kind: 'unsigned' }
  | { kind: 'raw'; authorization: string };

export interface FuzzCase {
  index: number;
  operation: Operation;
  /** The X-Amz-Target sent; undefined sends none. */
  target: string | undefined;
  /** The Content-Type sent; undefined sends none. */
  contentType: string | undefined;
  body: Buffer;
  auth: AuthMode;
  /** Extra headers, signed along when the case is signed. */
  headers: Record<string, string>;
  /** A query string for the URL (`?…`), or ''. */
  query: string;
  /** Sent as a stream of unknown length (chunked), not with a Content-Length. */
  chunked: boolean;
  /** What was done to the valid request, for the failure report. */
  mutations: string[];
}

const AMZ_JSON = 'application/x-amz-json-1.1';

/** A JSON literal to be written raw (JSON.stringify cannot produce it). */
class Raw {
  constructor(readonly text: string) {}
}
const RAW_MARK = '\u0001RAW\u0001';

type Json = unknown;

function serialise(value: Json): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const original = this[key];
    if (original instanceof Raw) {
      raws.push(original.text);
      return `${RAW_MARK}${raws.length - 1}`;
    }
    return v;
  });
  return text.replace(/"\\u0001RAW\\u0001(\d+)"/g, (_, i: string) => raws[Number(i)]);
}

function nested(open: string, close: string, inner: string, depth: number): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

function forgedToken(prng: Prng): string {
  const position = prng.pick<Json>([
    { id: 'abc' },
    { id: 1e30 },
    { id: -1 },
    { id: 1.5 },
    { id: '1; DROP TABLE images' },
    { id: 1, tag: 5 },
    { id: 'x', tag: '' },
    { id: 1, tag: '\u0000' },
    { id: 2 ** 63 },
    { after: '\u0000' },
    { after: 5 },
    { after: 'a'.repeat(10_000) },
    { after: 'zzz' },
    {},
    [],
    null,
    'string',
  ]);
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function interestingString(prng: Prng, state: FuzzState): string {
  return prng.pick<() => string>([
    () => '',
    () => ' ',
    () => 'a',
    () => '0',
    () => 'null',
    () => 'a'.repeat(prng.pick([2, 12, 127, 128, 129, 255, 256, 257, 300, 301, 1000, 2048, 2049])),
    () => 'x'.repeat(prng.pick([4096, 65_536, 300_000])),
    () => prng.pick(['é', 'Ω', '日本語', 'ß', 'İ', 'ﬀ', 'Ǆ', '\u0130\u0131']),
    () => '😀'.repeat(prng.pick([1, 129, 300])),
    () => prng.pick(['\u0000', 'a\u0000b', '\u202eevil', '\ufeffbom', '\ud800', 'a\udfffb']),
    () => prng.pick(['\n', '\r\n', '\t', '\\', '"', "'", '\u007f', '\u0085', '\u2028']),
    () =>
      prng.pick([
        '../../etc/passwd',
        "'; DROP TABLE repositories; --",
        '%s%s%n',
        '${jndi:ldap://x}',
        '<script>alert(1)</script>',
        '{{7*7}}',
      ]),
    () =>
      prng.pick([
        `sha256:${'a'.repeat(64)}`,
        `SHA256:${'A'.repeat(64)}`,
        `sha256:${'g'.repeat(64)}`,
        `sha256:${'a'.repeat(65)}`,
        `sha512:${'b'.repeat(128)}`,
        `md5:${'c'.repeat(32)}`,
        'sha256:',
        ':',
        state.layerDigests[0].toUpperCase(),
      ]),
    () =>
      prng.pick(['000000000000', '123456789012', '00000000000', '0000000000000', '٠١٢٣٤٥٦٧٨٩٠١']),
    () =>
      prng.pick([
        '00000000-0000-0000-0000-000000000000',
        state.uploadIds[0].toUpperCase(),
        `${state.uploadIds[0]}0`,
        state.uploadIds[0].slice(1),
      ]),
    () =>
      prng.pick([
        'MUTABLE',
        'IMMUTABLE',
        'mutable',
        'IMMUTABLE_WITH_EXCLUSION',
        'AES256',
        'KMS',
        'KMS_DSSE',
        'TAGGED',
        'UNTAGGED',
        'ANY',
        'ACTIVE',
        'ARCHIVED',
      ]),
    () =>
      prng.pick([
        state.repositoryName,
        state.repositoryName.toUpperCase(),
        'fuzz//base',
        '/fuzz',
        'fuzz/',
        'a__b',
        'a--b',
        'a..b',
        'fuzz/does-not-exist',
        `${'a/'.repeat(127)}a`,
        `${'a'.repeat(40)}!`,
        `${'a-'.repeat(120)}!`,
      ]),
    () =>
      prng.pick([
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.v1+prettyjws',
        'text/plain',
      ]),
    () => prng.pick(['AAAA', 'AA==', 'A', '====', 'not base64!', 'QUJD\nREVG', '-_-_', 'QQ']),
    () => prng.pick([...state.tokens, forgedToken(prng), forgedToken(prng), 'Zm9v', '%%%']),
    () => prng.pick(['v1', 'latest', 'v1 ', 'V1', 't'.repeat(300), 't'.repeat(301), 'a/b', '.']),
    // Any UTF-16 (lone surrogates included), and whole graphemes past the common limits.
    () => prng.draw(fc.string({ unit: 'binary', maxLength: 300 })),
    () => prng.draw(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 260 })),
  ])();
}

function interestingNumber(prng: Prng): number | Raw {
  return prng.pick<number | Raw>([
    0,
    -0,
    1,
    -1,
    0.5,
    1.5,
    2,
    10,
    100,
    1000,
    1001,
    1023,
    1024,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32,
    2 ** 53 - 1,
    2 ** 53,
    2 ** 53 + 2,
    2 ** 63,
    2 ** 64,
    1e21,
    1e308,
    -1e308,
    5e-324,
    new Raw('1e999'),
    new Raw('-1e999'),
    new Raw(`1${'0'.repeat(400)}`),
    new Raw(`0.${'0'.repeat(400)}1`),
    new Raw('123456789012345678901234567890'),
    new Raw('1E2'),
    new Raw('-0.0'),
  ]);
}

function interestingValue(prng: Prng, state: FuzzState): Json {
  switch (prng.int(0, 10)) {
    case 0:
    case 1:
    case 2:
      return interestingString(prng, state);
    case 3:
    case 4:
      return interestingNumber(prng);
    case 5:
      return prng.pick<Json>([null, true, false, 'true', 'false']);
    case 6:
      return prng.pick<() => Json>([
        () => [],
        () => [null],
        () => [1, 2, 3],
        () => [{}],
        () => [[]],
        () => Array.from({ length: prng.pick([11, 100, 101, 1000]) }, (_, i) => `a${i}`),
        () => Array.from({ length: 101 }, () => ({ imageTag: 'v1' })),
        () => [interestingString(prng, state)],
      ])();
    case 7:
      return prng.pick<() => Json>([
        () => ({}),
        () => ({ a: 1 }),
        () => JSON.parse('{"__proto__": {"polluted": true}}') as Json,
        () => ({ constructor: { prototype: { polluted: true } } }),
        () => ({ toString: 1, valueOf: 'x', hasOwnProperty: null }),
        () => ({ imageTag: 'v1', imageDigest: state.imageDigest }),
        () => ({ Key: 'k', Value: 'v' }),
      ])();
    case 8:
      return prng.draw(fc.jsonValue({ maxDepth: 4 }));
    default: {
      const depth = prng.pick([10, 100, 1000, 3000, 10_000, 100_000]);
      return prng.chance(0.5)
        ? new Raw(nested('[', ']', '', depth))
        : new Raw(nested('{"a":', '}', '1', depth));
    }
  }
}

type Path = (string | number)[];

function pathsOf(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) {
    value.slice(0, 20).forEach((v, i) => pathsOf(v, [...prefix, i], out));
  } else if (value && typeof value === 'object' && !(value instanceof Raw)) {
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  }
  return out;
}

function getAt(root: Json, path: Path): Json {
  let v = root;
  for (const k of path) v = (v as Record<string | number, Json>)[k];
  return v;
}

function setAt(root: Json, path: Path, value: Json): Json {
  if (path.length === 0) return value;
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, Json>;
  const key = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else {
    parent[key] = value;
  }
  return root;
}

function mutateString(prng: Prng, s: string): string {
  switch (prng.int(0, 6)) {
    case 0:
      return s + prng.pick(['!', ' ', '\u0000', 'é', '😀', '/', '-', '.', 'A', '0']);
    case 1:
      return prng.pick(['!', ' ', '\u0000', 'é', '😀', '/', '-', 'A']) + s;
    case 2:
      return s.toUpperCase();
    case 3:
      return s.repeat(prng.pick([2, 10, 300]));
    case 4:
      return s.slice(0, prng.int(0, s.length));
    case 5: {
      const i = prng.int(0, s.length);
      return (
        s.slice(0, i) +
        prng.draw(fc.string({ unit: 'binary', minLength: 1, maxLength: 2 })) +
        s.slice(i)
      );
    }
    default:
      return s.split('').reverse().join('');
  }
}

/** One mutation of a JSON value; answers the new value and what was done. */
function mutateJson(prng: Prng, root: Json, state: FuzzState): [Json, string] {
  const paths = pathsOf(root);
  const path = prng.pick(paths);
  const where = path.length === 0 ? '(body)' : path.join('.');
  const current = getAt(root, path);
  const kind = prng.int(0, 9);
  if (kind <= 1 && path.length > 0) return [setAt(root, path, undefined), `removed ${where}`];
  if (kind === 2 && typeof current === 'string') {
    return [setAt(root, path, mutateString(prng, current)), `changed the string ${where}`];
  }
  if (kind === 3 && typeof current === 'number') {
    const n = prng.pick([current + 1, current - 1, -current, current * 2 ** 20, current + 0.5]);
    return [setAt(root, path, n), `${where} = ${n}`];
  }
  if (kind === 4 && current && typeof current === 'object' && !Array.isArray(current)) {
    const key = prng.pick([
      'unknownMember',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'registryId',
      'é',
      '',
      'a'.repeat(1000),
    ]);
    const value = interestingValue(prng, state);
    const target = current as Record<string, Json>;
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    return [root, `added ${key.slice(0, 20)} to ${where}`];
  }
  if (kind === 5 && Array.isArray(current) && current.length > 0) {
    const times = prng.pick([2, 100, 101, 2000]);
    const items: unknown[] = current;
    const grown = Array.from({ length: times }, (_, i) => items[i % items.length]);
    return [setAt(root, path, grown), `grew ${where} to ${times} items`];
  }
  if (kind === 6) {
    const wrapped = prng.chance(0.5) ? [current] : { value: current };
    return [setAt(root, path, wrapped), `wrapped ${where}`];
  }
  const value = interestingValue(prng, state);
  const shown =
    value instanceof Raw
      ? value.text.slice(0, 30)
      : (JSON.stringify(value) ?? 'undefined').slice(0, 60);
  return [setAt(root, path, value), `${where} = ${shown}`];
}

function validInput(prng: Prng, op: Operation, state: FuzzState): Record<string, Json> {
  const repo = state.repositoryName;
  const registryId = state.registryId;
  const digest = prng.pick(state.layerDigests);
  const k = prng.int(0, 40);
  switch (op) {
    case 'CreateRepository':
      return {
        registryId,
        repositoryName: `fuzz/r-${k}`,
        tags: [{ Key: 'team', Value: 'fuzz' }],
        imageTagMutability: prng.pick(['MUTABLE', 'IMMUTABLE']),
        imageScanningConfiguration: { scanOnPush: false },
        encryptionConfiguration: { encryptionType: 'AES256' },
      };
    case 'DescribeRepositories':
      return prng.chance(0.5)
        ? { registryId, repositoryNames: [repo] }
        : { registryId, maxResults: 2, nextToken: prng.pick(state.tokens) };
    case 'DeleteRepository':
      return { registryId, repositoryName: `fuzz/r-${k}`, force: prng.chance(0.5) };
    case 'InitiateLayerUpload':
      return { registryId, repositoryName: repo };
    case 'UploadLayerPart': {
      const size = prng.int(1, 2048);
      return {
        registryId,
        repositoryName: repo,
        uploadId: prng.pick(state.uploadIds),
        partFirstByte: 0,
        partLastByte: size - 1,
        layerPartBlob: prng.bytes(size).toString('base64'),
      };
    }
    case 'CompleteLayerUpload':
      return {
        registryId,
        repositoryName: repo,
        uploadId: prng.pick(state.uploadIds),
        layerDigests: [digest],
      };
    case 'BatchCheckLayerAvailability':
      return { registryId, repositoryName: repo, layerDigests: [...state.layerDigests] };
    case 'PutImage': {
      // The manifest itself is a JSON document: mutate inside it half of the time.
      let manifest: Json = JSON.parse(state.manifest);
      let text = state.manifest;
      if (prng.chance(0.5)) {
        for (let i = prng.int(1, 2); i > 0; i--) [manifest] = mutateJson(prng, manifest, state);
        text = serialise(manifest);
      }
      return {
        registryId,
        repositoryName: repo,
        imageManifest: text,
        imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        imageTag: `t-${k}`,
      };
    }
    case 'BatchGetImage':
      return {
        registryId,
        repositoryName: repo,
        imageIds: [{ imageTag: 'v1' }, { imageDigest: state.imageDigest }],
        acceptedMediaTypes: ['application/vnd.docker.distribution.manifest.v2+json'],
      };
    case 'DescribeImages':
      return prng.chance(0.5)
        ? { registryId, repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }
        : {
            registryId,
            repositoryName: repo,
            filter: { tagStatus: 'TAGGED' },
            maxResults: 2,
            nextToken: prng.pick(state.tokens),
          };
    case 'ListImages':
      return {
        registryId,
        repositoryName: repo,
        filter: { tagStatus: 'ANY' },
        maxResults: 3,
        nextToken: prng.pick(state.tokens),
      };
    case 'ListImageReferrers':
      return {
        registryId,
        repositoryName: repo,
        subjectId: { imageDigest: state.imageDigest },
        filter: { artifactTypes: ['application/vnd.example'], artifactStatus: 'ANY' },
        maxResults: 3,
      };
    case 'BatchDeleteImage':
      return { registryId, repositoryName: repo, imageIds: [{ imageTag: `t-${k}` }] };
    case 'GetDownloadUrlForLayer':
      return { registryId, repositoryName: repo, layerDigest: digest };
    case 'GetAuthorizationToken':
      return { registryIds: [registryId] };
    case 'PutLifecyclePolicy':
      return { registryId, repositoryName: repo, lifecyclePolicyText: FUZZ_LIFECYCLE_POLICY };
    case 'GetLifecyclePolicy':
    case 'DeleteLifecyclePolicy':
      return { registryId, repositoryName: repo };
    case 'StartLifecyclePolicyPreview':
      return prng.chance(0.5)
        ? { registryId, repositoryName: repo }
        : { registryId, repositoryName: repo, lifecyclePolicyText: FUZZ_LIFECYCLE_POLICY };
    case 'GetLifecyclePolicyPreview':
      return prng.chance(0.5)
        ? { registryId, repositoryName: repo, maxResults: 2, filter: { tagStatus: 'ANY' } }
        : { registryId, repositoryName: repo, imageIds: [{ imageTag: 'v1' }] };
    case 'TagResource':
      return { resourceArn: repositoryArn(state), tags: [{ Key: `k-${k % 8}`, Value: `v${k}` }] };
    case 'UntagResource':
      return { resourceArn: repositoryArn(state), tagKeys: [`k-${k % 8}`] };
    case 'ListTagsForResource':
      return { resourceArn: repositoryArn(state) };
    case 'PutImageTagMutability':
      // Never a setting that would make PutImage's `t-<k>` tags immutable.
      return prng.chance(0.5)
        ? { registryId, repositoryName: repo, imageTagMutability: 'MUTABLE' }
        : {
            registryId,
            repositoryName: repo,
            imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
            imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'v1*' }],
          };
    case 'CreateRepositoryCreationTemplate':
      // Under a prefix no push of the fuzz names, so that no repository is created from it.
      return {
        prefix: `fuzz-templates/t${k % 4}`,
        appliedFor: ['CREATE_ON_PUSH'],
        resourceTags: [{ Key: 'fuzz', Value: `v${k}` }],
        lifecyclePolicy: FUZZ_LIFECYCLE_POLICY,
      };
    case 'DescribeRepositoryCreationTemplates':
      return prng.chance(0.5)
        ? { maxResults: 2 }
        : { prefixes: [`fuzz-templates/t${k % 4}`, 'ROOT'] };
    case 'UpdateRepositoryCreationTemplate':
      return { prefix: `fuzz-templates/t${k % 4}`, description: `d${k}` };
    case 'DeleteRepositoryCreationTemplate':
      return { prefix: `fuzz-templates/t${k % 4}` };
    case 'DescribeRegistry':
    case 'GetRegistryScanningConfiguration':
    case 'GetRegistryPolicy':
    case 'DeleteRegistryPolicy':
    case 'GetSigningConfiguration':
    case 'DeleteSigningConfiguration':
      return {};
    case 'PutReplicationConfiguration':
      return {
        replicationConfiguration: {
          rules: prng.chance(0.5)
            ? []
            : [
                {
                  destinations: [{ region: 'eu-west-1', registryId: '210987654321' }],
                  repositoryFilters: [{ filter: 'fuzz', filterType: 'PREFIX_MATCH' }],
                },
              ],
        },
      };
    case 'DescribeImageReplicationStatus':
    case 'StartImageScan':
    case 'DescribeImageScanFindings':
    case 'DescribeImageSigningStatus':
      return { registryId, repositoryName: repo, imageId: { imageTag: 'v1' } };
    case 'UpdateImageStorageClass':
      return {
        registryId,
        repositoryName: repo,
        imageId: { imageDigest: state.imageDigest },
        targetStorageClass: 'ARCHIVE',
      };
    case 'GetAccountSetting':
      return { name: prng.pick(['BLOB_MOUNTING', 'REGISTRY_POLICY_SCOPE']) };
    case 'PutAccountSetting':
      // BLOB_MOUNTING stays as it is: the fuzz does not mount, and a mount test may run after.
      return { name: 'REGISTRY_POLICY_SCOPE', value: prng.pick(['V1', 'V2']) };
    case 'PutRegistryScanningConfiguration':
      return {
        scanType: 'ENHANCED',
        rules: [
          {
            scanFrequency: 'CONTINUOUS_SCAN',
            repositoryFilters: [{ filter: 'fuzz/*', filterType: 'WILDCARD' }],
          },
        ],
      };
    case 'PutImageScanningConfiguration':
      return {
        registryId,
        repositoryName: repo,
        imageScanningConfiguration: { scanOnPush: prng.chance(0.5) },
      };
    case 'BatchGetRepositoryScanningConfiguration':
      return { repositoryNames: [repo, 'fuzz/missing'] };
    case 'PutRegistryPolicy':
      return { policyText: FUZZ_REGISTRY_POLICY };
    case 'RegisterPullTimeUpdateExclusion':
    case 'DeregisterPullTimeUpdateExclusion':
      return { principalArn: `arn:aws:iam::${registryId}:user/fuzz-${k % 8}` };
    case 'ListPullTimeUpdateExclusions':
      return { maxResults: 2 };
    case 'PutSigningConfiguration':
      return {
        signingConfiguration: {
          rules: [
            {
              signingProfileArn: `arn:aws:signer:us-east-1:${registryId}:/signing-profiles/fuzz`,
              repositoryFilters: [{ filter: 'fuzz*', filterType: 'WILDCARD_MATCH' }],
            },
          ],
        },
      };
    case 'CreatePullThroughCacheRule':
      return {
        registryId,
        ecrRepositoryPrefix: 'hub',
        upstreamRegistryUrl: 'registry-1.docker.io',
        upstreamRegistry: 'docker-hub',
      };
    case 'DescribePullThroughCacheRules':
      return prng.chance(0.5) ? { registryId } : { registryId, ecrRepositoryPrefixes: ['hub'] };
    case 'UpdatePullThroughCacheRule':
    case 'DeletePullThroughCacheRule':
    case 'ValidatePullThroughCacheRule':
      return { registryId, ecrRepositoryPrefix: 'hub' };
    case 'SetRepositoryPolicy':
      return {
        registryId,
        repositoryName: repo,
        policyText: FUZZ_REPOSITORY_POLICY,
        force: prng.chance(0.5),
      };
    case 'GetRepositoryPolicy':
    case 'DeleteRepositoryPolicy':
      return { registryId, repositoryName: repo };
  }
}

/** Pulls for another account: nothing the fuzzed account itself does depends on it. */
const FUZZ_REPOSITORY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'pull',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::999999999999:root' },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Condition: { StringEquals: { 'aws:PrincipalAccount': '999999999999' } },
    },
  ],
});

/** The ARN of the repository under test (the fuzzed process runs in the default region). */
function repositoryArn(state: FuzzState): string {
  return `arn:aws:ecr:us-east-1:${state.registryId}:repository/${state.repositoryName}`;
}

/** A registry policy the fuzzed account may put: another account may replicate into it. */
const FUZZ_REGISTRY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::210987654321:root' },
      Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'],
      Resource: 'arn:aws:ecr:us-east-1:123456789012:repository/*',
    },
  ],
});

const FUZZ_LIFECYCLE_POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 5 },
      action: { type: 'expire' },
    },
  ],
});

const WEIRD_BODIES = [
  '',
  ' ',
  'null',
  '[]',
  '[{}]',
  '"string"',
  '123',
  'true',
  '{',
  '}',
  '{"a":',
  '{"a"}',
  '{a:1}',
  "{'a':1}",
  '{"a":1,}',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '/* comment */ {}',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":undefined}',
  '\ufeff{}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a":"\\x41"}',
  '<xml/>',
  'repositoryName=fuzz',
];

function mutateBytes(prng: Prng, body: Buffer): [Buffer, string] {
  switch (prng.int(0, 6)) {
    case 0: {
      const at = prng.int(0, Math.max(0, body.length - 1));
      return [body.subarray(0, at), `truncated at byte ${at}`];
    }
    case 1: {
      const out = Buffer.from(body);
      const n = prng.int(1, 8);
      for (let i = 0; i < n && out.length > 0; i++)
        out[prng.int(0, out.length - 1)] = prng.int(0, 255);
      return [out, `flipped ${n} bytes`];
    }
    case 2: {
      const at = prng.int(0, body.length);
      const bad = Buffer.from(
        prng.pick([[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88], [0x80]]),
      );
      return [Buffer.concat([body.subarray(0, at), bad, body.subarray(at)]), 'invalid UTF-8'];
    }
    case 3: {
      const text = prng.pick(WEIRD_BODIES);
      return [Buffer.from(text), `body ${JSON.stringify(text)}`];
    }
    case 4:
      return [
        Buffer.from(prng.draw(fc.uint8Array({ minLength: 1, maxLength: 4096 }))),
        'random bytes',
      ];
    case 5: {
      // The same key twice: the last wins in JSON.parse, other parsers differ.
      const text = body.toString('utf8');
      const dup = text.replace(/^\{/, '{"repositoryName":"fuzz/other",');
      return [Buffer.from(dup), 'a duplicated key'];
    }
    default:
      return [Buffer.from(`   \n\t${body.toString('utf8')}\n  `), 'whitespace around'];
  }
}

const CONTENT_TYPES: (string | undefined)[] = [
  undefined,
  '',
  'text/plain',
  'application/x-amz-json-1.0',
  'application/json; charset=utf-8',
  'APPLICATION/X-AMZ-JSON-1.1',
  'application/x-amz-json-1.1; charset=latin1',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/cbor',
  'application/x-amz-cbor-1.1',
  'application/json, text/plain',
  'x'.repeat(5000),
  'application/x-amz-json-1.1\u00e9',
];

function targetVariant(prng: Prng, op: Operation): [string | undefined, string] {
  const t = prng.pick<() => string | undefined>([
    () => undefined,
    () => '',
    () => op,
    () => `${TARGET_PREFIX}${op.toLowerCase()}`,
    () => `${TARGET_PREFIX}${op}X`,
    () => `${TARGET_PREFIX}`,
    () => `AmazonEC2ContainerRegistry_V20150920.${op}`,
    () => `${TARGET_PREFIX}${op}, ${TARGET_PREFIX}${op}`,
    () =>
      `${TARGET_PREFIX}${prng.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])}`,
    () => `${TARGET_PREFIX}${'A'.repeat(5000)}`,
    () => `${TARGET_PREFIX}Cr\u00e9ateRepository`,
    () => `${TARGET_PREFIX}ListTagsForResource`,
    () => ` ${TARGET_PREFIX}${op}`,
  ])();
  return [t, `X-Amz-Target ${JSON.stringify(t?.slice(0, 60))}`];
}

function authVariant(prng: Prng, body: Buffer): [AuthMode, Record<string, string>, string, string] {
  switch (prng.int(0, 9)) {
    case 0:
      return [{ kind: 'unsigned' }, {}, '', 'unsigned'];
    case 1: {
      const authorization = prng.pick([
        '',
        'garbage',
        'AWS4-HMAC-SHA256',
        'AWS4-HMAC-SHA256 Credential=',
        'AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=00',
        `AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/2025/us-east-1/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
        'AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=',
        'Bearer abc',
        'Basic QUJDOmRlZg==',
        `AWS4-HMAC-SHA256 Credential=${'A'.repeat(5000)}`,
        'AWS4-HMAC-SHA256 Credential=AKIA\u00e9/x/y/z/w, SignedHeaders=host, Signature=zz',
      ]);
      return [
        { kind: 'raw', authorization },
        {},
        '',
        `Authorization ${JSON.stringify(authorization.slice(0, 60))}`,
      ];
    }
    case 2:
      return [
        {
          kind: 'signed',
          credentials: {
            accessKeyId: TEST_CREDENTIALS.accessKeyId,
            secretAccessKey: 'wrong-secret-wrong-secret-wrong-secret-00',
          },
        },
        {},
        '',
        'a wrong secret',
      ];
    case 3:
      return [
        {
          kind: 'signed',
          credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x'.repeat(40) },
        },
        {},
        '',
        'an unknown key',
      ];
    case 4:
      return [
        {
          kind: 'signed',
          signingDate: new Date(
            Date.now() + prng.pick([-1, 1]) * prng.pick([16, 60 * 24 * 400]) * 60_000,
          ),
        },
        {},
        '',
        'a skewed clock',
      ];
    case 5:
      return [
        { kind: 'signed', signedBody: Buffer.concat([body, Buffer.from(' ')]) },
        {},
        '',
        'signed over another body',
      ];
    case 6:
      return [
        { kind: 'signed' },
        {
          'x-amz-content-sha256': prng.pick([
            'deadbeef',
            '0'.repeat(64),
            'UNSIGNED-PAYLOAD',
            'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
          ]),
        },
        '',
        'a wrong x-amz-content-sha256',
      ];
    case 7:
      return [{ kind: 'signed' }, { 'x-amz-security-token': 'token' }, '', 'a session token'];
    case 8:
      return [
        { kind: 'unsigned' },
        {},
        prng.pick([
          '?X-Amz-Algorithm=AWS4-HMAC-SHA256',
          '?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x&X-Amz-Date=x&X-Amz-Expires=x&X-Amz-SignedHeaders=host&X-Amz-Signature=x',
          `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${TEST_CREDENTIALS.accessKeyId}%2F20250101%2Fus-east-1%2Fecr%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=999999999&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}`,
          '?a=%ZZ',
        ]),
        'query-string authentication',
      ];
    default:
      return [
        { kind: 'signed' },
        { 'x-amz-date': prng.pick(['20250231T000000Z', 'yesterday', '', '99999999T999999Z']) },
        '',
        'a malformed X-Amz-Date',
      ];
  }
}

function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

/** The case `index` of the run `seed`. */
export function fuzzCase(seed: number, index: number, state: FuzzState): FuzzCase {
  const prng = new Prng(caseSeed(seed, index));
  const operation = OPERATIONS[index % OPERATIONS.length];
  let input: Json = validInput(prng, operation, state);
  const mutations: string[] = [];
  const level = prng.next();
  const jsonMutations = level < 0.6 ? prng.int(1, 3) : level < 0.8 ? prng.int(0, 1) : 0;
  for (let i = 0; i < jsonMutations; i++) {
    let done: string;
    [input, done] = mutateJson(prng, input, state);
    mutations.push(done);
  }
  let body = Buffer.from(input === undefined ? '' : serialise(input));
  let contentType: string | undefined = AMZ_JSON;
  let target: string | undefined = `${TARGET_PREFIX}${operation}`;
  let auth: AuthMode = { kind: 'signed' };
  let headers: Record<string, string> = {};
  let query = '';
  if (level >= 0.6 && level < 0.75) {
    let done: string;
    [body, done] = mutateBytes(prng, body);
    mutations.push(done);
  } else if (level >= 0.75 && level < 0.83) {
    contentType = prng.pick(CONTENT_TYPES);
    mutations.push(`Content-Type ${JSON.stringify(contentType?.slice(0, 60))}`);
  } else if (level >= 0.83 && level < 0.9) {
    let done: string;
    [target, done] = targetVariant(prng, operation);
    mutations.push(done);
  } else if (level >= 0.9) {
    let done: string;
    [auth, headers, query, done] = authVariant(prng, body);
    mutations.push(done);
  }
  if (level >= 0.8 && prng.chance(0.3)) {
    contentType = prng.chance(0.5) ? 'application/json' : contentType;
  }
  return {
    index,
    operation,
    target,
    contentType,
    body,
    auth,
    headers,
    query,
    chunked: false,
    mutations,
  };
}

/** Bodies near and over the 27,966,124-byte limit. They take time, so there are a few. */
export function oversizedCases(state: FuzzState, limit: number): FuzzCase[] {
  const base = (operation: Operation, body: Buffer, what: string, chunked = false): FuzzCase => ({
    index: -1,
    operation,
    target: `${TARGET_PREFIX}${operation}`,
    contentType: AMZ_JSON,
    body,
    auth: { kind: 'signed' },
    headers: {},
    query: '',
    chunked,
    mutations: [what],
  });
  const part = (blobBytes: number): Buffer =>
    Buffer.from(
      serialise({
        repositoryName: state.repositoryName,
        uploadId: state.uploadIds[0],
        partFirstByte: 0,
        partLastByte: blobBytes - 1,
        layerPartBlob: Buffer.alloc(blobBytes, 7).toString('base64'),
      }),
    );
  const padded = (size: number): Buffer => {
    const head = Buffer.from(`{"repositoryName":"${state.repositoryName}","pad":"`);
    return Buffer.concat([head, Buffer.alloc(size - head.length - 2, 0x61), Buffer.from('"}')]);
  };
  return [
    base('CreateRepository', padded(limit + 1), 'a body one byte over the limit'),
    base('PutImage', padded(limit * 2), 'a body twice the limit'),
    base('ListImages', padded(limit + 1), 'a chunked body over the limit', true),
    base('UploadLayerPart', part(20 * 1024 * 1024 + 1), 'a 20 MiB + 1 byte part'),
    base('UploadLayerPart', part(20 * 1024 * 1024), 'a 20 MiB part at offset 0'),
    base('DescribeImages', padded(limit - 10), 'a body just under the limit'),
    base(
      'PutImage',
      Buffer.from(
        serialise({
          repositoryName: state.repositoryName,
          imageManifest: `{"a":"${'a'.repeat(4 * 1024 * 1024)}"}`,
        }),
      ),
      'a manifest over 4 MiB',
    ),
    base(
      'BatchCheckLayerAvailability',
      Buffer.from(
        `{"repositoryName":"${state.repositoryName}","layerDigests":[${'"sha256:00",'.repeat(1_000_000)}"x"]}`,
      ),
      'a million digests',
    ),
  ];
}

/**
 * Hand-written cases that random mutation reaches only by luck: forged page tokens, manifests
 * whose values do not fit the columns they go to, NUL characters, deep nesting inside modelled
 * structures, numbers past the safe range. They run first, as the corpus of every run.
 */
export function corpusCases(state: FuzzState): FuzzCase[] {
  const repo = state.repositoryName;
  const manifest = JSON.parse(state.manifest) as {
    config: Record<string, unknown>;
    layers: Record<string, unknown>[];
  };
  const token = (position: unknown): string =>
    Buffer.from(JSON.stringify(position)).toString('base64url');
  const tokens = [
    { id: 'abc' },
    { id: 1e30 },
    { id: -1 },
    { id: 1.5 },
    { id: 2 ** 63 },
    { id: '1; DROP TABLE images' },
    { id: 1, tag: 5 },
    { id: 'x', tag: '' },
    { id: 1, tag: '\u0000' },
    { id: 1, tag: 'a'.repeat(100_000) },
    { after: '\u0000' },
    { after: 5 },
    { after: ['a'] },
    { after: { a: 1 } },
  ].map(token);
  const manifestWith = (patch: (m: typeof manifest) => unknown): string =>
    JSON.stringify(patch(JSON.parse(state.manifest) as typeof manifest));
  const deep = (depth: number): Raw => new Raw(nested('{"a":', '}', '1', depth));
  const inputs: [Operation, Json][] = [
    ...tokens.flatMap((nextToken): [Operation, Json][] => [
      ['DescribeRepositories', { nextToken }],
      ['DescribeImages', { repositoryName: repo, nextToken }],
      ['ListImages', { repositoryName: repo, nextToken }],
    ]),
    ...[
      (m: typeof manifest) => ({ ...m, config: { ...m.config, mediaType: 'x'.repeat(300) } }),
      (m: typeof manifest) => ({ ...m, config: { ...m.config, mediaType: 'a\u0000b' } }),
      (m: typeof manifest) => ({ ...m, artifactType: 'y'.repeat(256) }),
      (m: typeof manifest) => ({ ...m, artifactType: '\u0000' }),
      (m: typeof manifest) => ({ ...m, artifactType: 42 }),
      (m: typeof manifest) => ({
        ...m,
        layers: Array.from({ length: 2000 }, () => ({ ...m.layers[0], size: 2 ** 53 - 1 })),
      }),
      (m: typeof manifest) => ({ ...m, layers: [{ ...m.layers[0], size: 1e308 }] }),
      (m: typeof manifest) => ({ ...m, layers: [{ ...m.layers[0], size: -1 }] }),
      (m: typeof manifest) => ({ ...m, layers: [{ ...m.layers[0], digest: 'sha256:\u0000' }] }),
      (m: typeof manifest) => ({ ...m, layers: m.layers[0] }),
      (m: typeof manifest) => ({ ...m, layers: [null] }),
      (m: typeof manifest) => ({ ...m, config: 'sha256:abc' }),
      (m: typeof manifest) => ({ ...m, schemaVersion: '2' }),
      (m: typeof manifest) => ({ ...m, mediaType: 'application/vnd.oci.image.index.v1+json' }),
      () => ({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: Array.from({ length: 2000 }, () => ({
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: state.imageDigest,
          size: 2 ** 53 - 1,
        })),
      }),
      () => null,
      () => [],
      () => 'manifest',
    ].map((patch): [Operation, Json] => [
      'PutImage',
      { repositoryName: repo, imageManifest: manifestWith(patch), imageTag: 'corpus' },
    ]),
    ['PutImage', { repositoryName: repo, imageManifest: state.manifest, imageDigest: '\u0000' }],
    ['PutImage', { repositoryName: repo, imageManifest: state.manifest, imageTag: 'a\u0000' }],
    ['PutImage', { repositoryName: repo, imageManifest: '{"a":' + '['.repeat(100_000) }],
    [
      'PutImage',
      {
        repositoryName: repo,
        imageManifest: state.manifest,
        imageManifestMediaType: 'x'.repeat(300),
      },
    ],
    [
      'CreateRepository',
      {
        repositoryName: 'fuzz/kms',
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'a\u0000b' },
      },
    ],
    [
      'CreateRepository',
      {
        repositoryName: 'fuzz/kms2',
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'k'.repeat(2048) },
      },
    ],
    ['CreateRepository', { repositoryName: 'fuzz/t0', tags: [{ Key: 'a\u0000', Value: 'b' }] }],
    ['CreateRepository', { repositoryName: 'fuzz/t1', tags: [{ Key: 'a', Value: '\u0000' }] }],
    ['CreateRepository', { repositoryName: 'fuzz/t2', tags: [{ Key: 'é日本', Value: 'ünï' }] }],
    ['CreateRepository', { repositoryName: 'fuzz/t3', tags: [{ Key: '😀', Value: '\ud800' }] }],
    [
      'CreateRepository',
      {
        repositoryName: 'fuzz/t4',
        tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
      },
    ],
    [
      'CreateRepository',
      { repositoryName: 'fuzz/t5', tags: [{ Key: 'a', Value: 'b', x: deep(3000) }] },
    ],
    [
      'CreateRepository',
      {
        repositoryName: 'fuzz/t6',
        tags: [
          { Key: 'k', Value: 'v' },
          { Key: 'k', Value: 'w' },
        ],
      },
    ],
    [
      'CreateRepository',
      { repositoryName: 'fuzz/t7', imageScanningConfiguration: { scanOnPush: 'yes' } },
    ],
    ['CreateRepository', { repositoryName: 'fuzz/t8', encryptionConfiguration: { kmsKey: 'k' } }],
    ['CreateRepository', { repositoryName: 'a'.repeat(256) }],
    ['CreateRepository', { repositoryName: `${'a'.repeat(50)}!`.repeat(4) }],
    ['DescribeRepositories', { repositoryNames: ['a\u0000'] }],
    ['DescribeRepositories', { repositoryNames: Array.from({ length: 100 }, (_, i) => `r${i}x`) }],
    ['DescribeRepositories', { maxResults: 1e308 }],
    ['DescribeRepositories', { maxResults: new Raw('1e999') }],
    ['DeleteRepository', { repositoryName: repo, force: 'true' }],
    ['DescribeImages', { repositoryName: repo, filter: { tagStatus: 'TAGGED', x: deep(3000) } }],
    ['DescribeImages', { repositoryName: repo, imageIds: [{ imageDigest: 'sha256:\u0000' }] }],
    ['DescribeImages', { repositoryName: repo, imageIds: [{ imageTag: '\u0000' }] }],
    ['DescribeImages', { repositoryName: repo, imageIds: [{}] }],
    ['BatchGetImage', { repositoryName: repo, imageIds: [{ imageTag: 'v1', x: deep(3000) }] }],
    ['BatchGetImage', { repositoryName: repo, imageIds: [{ imageTag: 'a'.repeat(301) }] }],
    [
      'BatchGetImage',
      { repositoryName: repo, imageIds: [{ imageTag: 'v1' }], acceptedMediaTypes: [] },
    ],
    [
      'BatchDeleteImage',
      { repositoryName: repo, imageIds: [{ imageDigest: `sha512:${'0'.repeat(128)}` }] },
    ],
    [
      'BatchDeleteImage',
      { repositoryName: repo, imageIds: Array.from({ length: 101 }, () => ({})) },
    ],
    [
      'BatchCheckLayerAvailability',
      { repositoryName: repo, layerDigests: ['\u0000', '', ':', `sha256:${'A'.repeat(64)}`] },
    ],
    ['BatchCheckLayerAvailability', { repositoryName: repo, layerDigests: ['a'.repeat(1001)] }],
    ['GetDownloadUrlForLayer', { repositoryName: repo, layerDigest: `sha512:${'0'.repeat(128)}` }],
    ['GetDownloadUrlForLayer', { repositoryName: repo, layerDigest: `sha256:${'0'.repeat(1000)}` }],
    ['GetAuthorizationToken', { registryIds: [] }],
    ['GetAuthorizationToken', { registryIds: Array.from({ length: 11 }, () => state.registryId) }],
    ['GetAuthorizationToken', { registryIds: ['123456789012'] }],
    ['InitiateLayerUpload', { repositoryName: repo, x: deep(100_000) }],
    ['InitiateLayerUpload', { repositoryName: repo, registryId: 123456789012 }],
    ...[
      [5, 4, 'AA=='],
      [-1, 0, 'AA=='],
      [0, 2 ** 53, 'AA=='],
      [2 ** 53, 2 ** 53, 'AA=='],
      [new Raw('1e999'), 0, 'AA=='],
      [0, 0, ''],
      [0, 0, 'A'],
      [0, 0, '!!!!'],
      [0, 0, 'AA==AA=='],
      [1e308, 1e308, 'AA=='],
      [0.5, 1.5, 'AA=='],
    ].map(([first, last, blob]): [Operation, Json] => [
      'UploadLayerPart',
      {
        repositoryName: repo,
        uploadId: state.uploadIds[0],
        partFirstByte: first,
        partLastByte: last,
        layerPartBlob: blob,
      },
    ]),
    [
      'UploadLayerPart',
      {
        repositoryName: repo,
        uploadId: state.uploadIds[0],
        partFirstByte: 0,
        partLastByte: 0,
        layerPartBlob: 'AA==',
        x: deep(3000),
      },
    ],
    [
      'CompleteLayerUpload',
      { repositoryName: repo, uploadId: state.uploadIds[0], layerDigests: [] },
    ],
    [
      'CompleteLayerUpload',
      {
        repositoryName: repo,
        uploadId: state.uploadIds[0],
        layerDigests: Array.from({ length: 101 }, () => state.layerDigests[0]),
      },
    ],
    [
      'CompleteLayerUpload',
      {
        repositoryName: repo,
        uploadId: state.uploadIds[1],
        layerDigests: [`md5:${'0'.repeat(32)}`],
      },
    ],
  ];
  return inputs.map(([operation, input], i) => ({
    index: -1000 - i,
    operation,
    target: `${TARGET_PREFIX}${operation}`,
    contentType: AMZ_JSON,
    body: Buffer.from(serialise(input)),
    auth: { kind: 'signed' },
    headers: {},
    query: '',
    chunked: false,
    mutations: [`corpus #${i}: ${serialise(input).slice(0, 120)}`],
  }));
}

import { signHeaders, target, Credentials } from './app';

/**
 * ECR calls below the SDK: a call can be prepared (serialised and signed) ahead of time and sent
 * at a chosen instant, which the crash tests need to time a SIGKILL against the request, and every
 * answer can be checked for the exact wire shape of an ECR response.
 */

export const AMZ_JSON = 'application/x-amz-json-1.1';

export interface EcrAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown> | undefined;
  text: string;
}

export interface PreparedCall {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Buffers travel as base64 (the awsJson1_1 form of a `blob` member). */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (Buffer.isBuffer(original)) return original.toString('base64');
  return value;
}

export function serialise(input: unknown): string {
  return JSON.stringify(input, replacer);
}

/** Serialises and signs a call (the test key unless `credentials` says otherwise). */
export async function prepareCall(
  url: string,
  operation: string,
  input: unknown,
  credentials?: Credentials,
): Promise<PreparedCall> {
  const body = serialise(input);
  const headers = await signHeaders(
    url,
    { 'content-type': AMZ_JSON, 'x-amz-target': target(operation) },
    body,
    { credentials },
  );
  return { url, headers, body };
}

/** Sends a prepared call; a connection that dies on the way rejects (it is no ECR answer). */
export async function send(call: PreparedCall, timeoutMs = 120_000): Promise<EcrAnswer> {
  const res = await fetch(call.url, {
    method: 'POST',
    headers: call.headers,
    body: call.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    json =
      parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export async function ecrCall(url: string, operation: string, input: unknown): Promise<EcrAnswer> {
  return send(await prepareCall(url, operation, input));
}

/** The error name of an answer, or undefined for a success. */
export function errorName(answer: EcrAnswer): string | undefined {
  return answer.status === 200 ? undefined : (answer.json?.__type as string | undefined);
}

/** Throws unless the call succeeded; answers its JSON. */
export function ok(answer: EcrAnswer, what = 'the call'): Record<string, unknown> {
  if (answer.status !== 200 || !answer.json) {
    throw new Error(`${what} failed: ${answer.status} ${answer.text.slice(0, 500)}`);
  }
  return answer.json;
}

/**
 * Every error the ECR API can answer, with the members its model gives it beyond `message`. An
 * answer naming anything else, or carrying another member, is not a well-formed ECR error.
 */
export const ECR_ERRORS: Record<string, readonly string[]> = {
  // front door and authentication
  AccessDeniedException: [],
  IncompleteSignatureException: [],
  InvalidSignatureException: [],
  MissingAuthenticationTokenException: [],
  RequestTimeoutException: [],
  SerializationException: [],
  ThrottlingException: [],
  UnknownOperationException: [],
  UnrecognizedClientException: [],
  // the model's errors
  EmptyUploadException: [],
  ImageAlreadyExistsException: [],
  ImageDigestDoesNotMatchException: [],
  ImageNotFoundException: [],
  ImageTagAlreadyExistsException: [],
  InvalidLayerException: [],
  InvalidLayerPartException: ['registryId', 'repositoryName', 'uploadId', 'lastValidByteReceived'],
  InvalidParameterException: [],
  InvalidTagParameterException: [],
  KmsException: ['kmsError'],
  LayerAlreadyExistsException: [],
  LayerInaccessibleException: [],
  LayerPartTooSmallException: [],
  LayersNotFoundException: [],
  LifecyclePolicyNotFoundException: [],
  LifecyclePolicyPreviewInProgressException: [],
  LifecyclePolicyPreviewNotFoundException: [],
  LimitExceededException: [],
  ReferencedImagesNotFoundException: [],
  RepositoryAlreadyExistsException: [],
  RepositoryNotEmptyException: [],
  RepositoryNotFoundException: [],
  RepositoryPolicyNotFoundException: [],
  ServerException: [],
  TemplateAlreadyExistsException: [],
  TemplateNotFoundException: [],
  TooManyTagsException: [],
  UploadNotFoundException: [],
  // the registry settings' (src/registry-settings)
  ExclusionAlreadyExistsException: [],
  ExclusionNotFoundException: [],
  ImageStorageClassUpdateNotSupportedException: [],
  PullThroughCacheRuleNotFoundException: [],
  RegistryPolicyNotFoundException: [],
  ScanNotFoundException: [],
  SigningConfigurationNotFoundException: [],
  UnsupportedUpstreamRegistryException: [],
  ValidationException: [],
};

/**
 * What is wrong with an answer as an ECR response (nothing when it is well formed): a 200 with a
 * JSON object, or an error with its name in both `x-amzn-ErrorType` and `__type`, a string
 * `message`, only its modelled members, status 403 for AccessDeniedException, 500 for
 * ServerException and 400 otherwise; always `application/x-amz-json-1.1` and a request id.
 */
export function shapeProblems(answer: EcrAnswer): string[] {
  const problems: string[] = [];
  const contentType = answer.headers.get('content-type') ?? '';
  if (contentType.split(';')[0].trim() !== AMZ_JSON) problems.push(`content-type ${contentType}`);
  if (!answer.headers.get('x-amzn-requestid')) problems.push('no x-amzn-RequestId');
  if (!answer.json) {
    problems.push(`the body is no JSON object: ${answer.text.slice(0, 200)}`);
    return problems;
  }
  if (answer.status === 200) {
    if ('__type' in answer.json) problems.push('a 200 with __type');
    return problems;
  }
  const type = answer.json.__type;
  if (typeof type !== 'string' || !(type in ECR_ERRORS)) {
    problems.push(`unknown error type ${JSON.stringify(type)}`);
    return problems;
  }
  const header = answer.headers.get('x-amzn-errortype');
  if (header !== type) problems.push(`x-amzn-ErrorType ${header} is not __type ${type}`);
  if (typeof answer.json.message !== 'string' || answer.json.message.length === 0) {
    problems.push('no message');
  }
  const allowed = new Set(['__type', 'message', ...ECR_ERRORS[type]]);
  const extra = Object.keys(answer.json).filter((k) => !allowed.has(k));
  if (extra.length > 0) problems.push(`members not in the model: ${extra.join(', ')}`);
  const status = type === 'AccessDeniedException' ? 403 : type === 'ServerException' ? 500 : 400;
  if (answer.status !== status) problems.push(`status ${answer.status} for ${type}`);
  return problems;
}

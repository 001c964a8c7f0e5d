import {
  Controller,
  Inject,
  OnApplicationBootstrap,
  Post,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { EcrAuthenticator } from '../auth/ecr-authenticator.service';
import { authorizeRegistry } from '../auth/registry-access';
import type { Caller } from '../auth/ecr-authenticator.service';
import { PoliciesService } from '../policies/policies.service';
import { targetOf } from '../auth/sigv4';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RequestLogLocals } from '../logging/request-log.middleware';
import type { BlobSink } from '../common/blob-sink';
import { BodyBufferPool, type BodyBuffer } from './body-buffer-pool';
import { StreamedBlobDecoder } from './blob-stream';
import { EcrExceptionFilter } from './ecr-exception.filter';
import { validateEcrInput } from './ecr-input';
import { EcrOperationHandler, EcrOperationsRegistry } from './ecr-operations.registry';
import { encodeResult, sendJson, TARGET_PREFIX } from './ecr-wire';
import {
  RequestTimeoutException,
  SerializationException,
  ThrottlingException,
  UnknownOperationException,
} from './ecr.errors';
import { parseJsonBody } from './json-body';
import { RateLimits } from '../rate-limits/rate-limits';
import { BodyTooLargeException, readBody } from './read-body';
import { AdmissionTimeoutError } from '../request-bodies/body-admission';
import { LARGE_BODY_BYTES, RequestBodies } from '../request-bodies/request-bodies';
import { signedRequestOf } from '../request-bodies/signed-request';
import { declaredLength, leaveUnreadBody } from '../request-bodies/unread-body';

const JSON_TYPES = new Set(['application/x-amz-json-1.1', 'application/json']);

const NOTHING = (): void => undefined;

/** The ECR API's front door: `POST /` with `X-Amz-Target`, dispatched to the owning module. */
@Controller()
@UseFilters(EcrExceptionFilter)
export class EcrController implements OnApplicationBootstrap {
  private bodyBuffers!: BodyBufferPool;
  private decodedBuffers!: BodyBufferPool;

  constructor(
    private readonly operations: EcrOperationsRegistry,
    private readonly authenticator: EcrAuthenticator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rateLimits: RateLimits,
    private readonly bodies: RequestBodies,
    private readonly policies: PoliciesService,
  ) {}

  @Post('/')
  async handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      await this.serve(req, res);
    } catch (err) {
      leaveUnreadBody(req, res, err instanceof RequestTimeoutException);
      throw err;
    }
  }

  private async serve(req: Request, res: Response): Promise<void> {
    const locals = res.locals as RequestLogLocals;
    const signed = signedRequestOf(req);
    // A pre-signed call may carry its target in the signed query string instead of the header.
    const target = targetOf(signed);
    const name =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : undefined;
    const handler = name ? this.operations.get(name) : undefined;
    // Only known names: the log's and the metrics' operation is a short, fixed list.
    if (handler) locals.operation = handler.name;

    // Authentication comes first. Whatever the headers alone refute (no signature, a skewed
    // clock, an unknown or inactive key) is refused before the body is read; the signature
    // itself is verified over the exact raw body below.
    const pending = await this.authenticator.begin(signed, { currentKey: handler?.currentKey });

    if (!handler) {
      throw new UnknownOperationException(
        typeof target === 'string' && target.length > 0
          ? `The operation ${JSON.stringify(target.slice(0, 200))} is not known to this service`
          : 'The request names no operation (X-Amz-Target header missing)',
      );
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!JSON_TYPES.has(contentType)) {
      throw new SerializationException(
        `Content-Type must be application/x-amz-json-1.1, not ${JSON.stringify(contentType.slice(0, 100))}`,
      );
    }
    const length = declaredLength(req);
    if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
      throw new SerializationException('Invalid Content-Length');
    }
    if (length !== undefined && length > handler.maxBodyBytes) {
      throw new BodyTooLargeException(handler.maxBodyBytes);
    }

    // Memory is committed only within this instance's bounds, before the signature is known:
    // a body without a Content-Length counts as large as its operation allows.
    const capacity = length ?? handler.maxBodyBytes;
    const large = capacity >= LARGE_BODY_BYTES;
    // Base64 decodes to at most 3 bytes per 4 characters: the body's length bounds the blob.
    const decodedBytes = handler.blobMember ? Math.ceil((capacity * 3) / 4) : 0;
    const gone = new AbortController();
    const onClose = (): void => {
      if (!req.complete) gone.abort(new Error('the client went away while its body waited'));
    };
    req.once('close', onClose);
    let release = NOTHING;
    let raw: BodyBuffer | undefined;
    let decoded: BodyBuffer | undefined;
    let sink: BlobSink | undefined;
    try {
      release = await this.bodies
        .admit(pending.key.accessKeyId, capacity, gone.signal, decodedBytes)
        .catch((err: unknown) => {
          throw err instanceof AdmissionTimeoutError ? new ThrottlingException(err.message) : err;
        });
      raw = this.bodyBuffers.acquire(capacity);
      const decoder = this.openBlobStream(handler, large, decodedBytes);
      decoded = decoder?.decoded;
      sink = decoder?.sink;
      const body = await readBody(req, raw.buffer, {
        limit: handler.maxBodyBytes,
        timeoutMs: this.config.bodyLimits.timeoutMs,
        onBytes: decoder && ((buffer, from, to) => decoder.scanner.push(buffer, from, to)),
      });
      const caller = await this.authenticator.finish(pending, signed, body.bytes, body.sha256);
      locals.accountId = caller.accountId;
      locals.accessKeyId = caller.accessKeyId;
      // Only verified calls spend an account's rate: a key id alone spends nothing.
      if (this.rateLimits.take(caller.accountId, handler.name) > 0) {
        throw new ThrottlingException('Rate exceeded');
      }
      const parsed = parseJsonBody(body.bytes, handler.blobMember, decoder?.scanner);
      // The sink holds the blob only if the parse kept the streamed bytes as the member.
      const streamed = decoder?.scanner.result();
      const blobSink =
        streamed && parsed[handler.blobMember!] === streamed.decoded ? sink : undefined;

      const input = validateEcrInput(handler.input, parsed);
      const registryId = await this.registryOf(caller, handler.name, input);
      const result = await handler.invoke(input, {
        requestId: locals.requestId,
        registryId,
        accountId: caller.accountId,
        accessKeyId: caller.accessKeyId,
        blobSink,
      });
      sendJson(res, 200, encodeResult(result));
    } finally {
      req.off('close', onClose);
      // Staged bytes go at once, whatever the outcome, unless the operation took them over.
      await sink?.discard();
      decoded?.release();
      raw?.release();
      release();
    }
  }

  /**
   * The registry a call acts on: the caller's own, or another account's when the call names one
   * of its repositories (`registryId` and `repositoryName`) and that repository's policy allows
   * the caller the operation. Any other naming of another registry (a new repository, a list of
   * them, the registry itself) is AccessDeniedException.
   */
  private async registryOf(caller: Caller, operation: string, input: object): Promise<string> {
    const { registryId, repositoryName } = input as {
      registryId?: unknown;
      repositoryName?: unknown;
    };
    if (
      typeof registryId === 'string' &&
      registryId !== caller.accountId &&
      typeof repositoryName === 'string' &&
      operation !== 'CreateRepository'
    ) {
      await this.policies.authorize(caller, registryId, repositoryName, operation);
      return registryId;
    }
    return authorizeRegistry(caller, operation, input, this.config.region);
  }

  /**
   * For an operation with a blob member: the scanner that finds and decodes it while the body
   * arrives, into `decoded`; for a large body and an operation that takes its blob while it
   * arrives, also the sink the decoded bytes are staged into.
   */
  private openBlobStream(
    handler: EcrOperationHandler,
    large: boolean,
    decodedBytes: number,
  ): { scanner: StreamedBlobDecoder; decoded: BodyBuffer; sink?: BlobSink } | undefined {
    if (!handler.blobMember) return undefined;
    const decoded = this.decodedBuffers.acquire(decodedBytes);
    const sink = large && handler.openBlobSink ? handler.openBlobSink() : undefined;
    const scanner = new StreamedBlobDecoder(
      handler.blobMember,
      decoded.buffer,
      sink ? (bytes) => sink.progress(bytes) : NOTHING,
    );
    return { scanner, decoded, sink };
  }

  /**
   * Sized, once every operation is known, to the largest body any of them accepts. Each pool
   * keeps no more buffers than large bodies may be read at once, which bounds their memory.
   */
  onApplicationBootstrap(): void {
    const largest = this.operations.maxBodyBytes();
    const keep = this.config.bodyLimits.largeConcurrency;
    this.bodyBuffers = new BodyBufferPool(largest, LARGE_BODY_BYTES, keep);
    // Base64 decodes to at most 3 bytes per 4 characters.
    this.decodedBuffers = new BodyBufferPool(
      Math.ceil((largest * 3) / 4),
      Math.ceil((LARGE_BODY_BYTES * 3) / 4),
      keep,
    );
    const unknown = this.rateLimits.operations().filter((op) => !this.operations.get(op));
    if (unknown.length > 0) {
      throw new Error(
        `ECR_RATE_LIMITS names operations this service does not have: ${unknown.join(', ')}`,
      );
    }
  }
}

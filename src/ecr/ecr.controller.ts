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
import type { SignedRequest } from '../auth/sigv4';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RequestLogLocals } from '../logging/request-log.middleware';
import type { BlobSink } from '../common/blob-sink';
import { BodyBufferPool, type BodyBuffer } from './body-buffer-pool';
import { StreamedBlobDecoder } from './blob-stream';
import { EcrExceptionFilter } from './ecr-exception.filter';
import { validateEcrInput } from './ecr-input';
import { EcrOperationHandler, EcrOperationsRegistry } from './ecr-operations.registry';
import { encodeResult, sendJson, TARGET_PREFIX } from './ecr-wire';
import { SerializationException, UnknownOperationException } from './ecr.errors';
import { parseJsonBody } from './json-body';
import { declaredLength, readBody, type RawBody } from './read-body';

const JSON_TYPES = new Set(['application/x-amz-json-1.1', 'application/json']);

/** Bodies from 1 MiB up (layer parts) are read into reused buffers; up to 8 wait for reuse. */
const POOLED_BODY_MIN_BYTES = 1024 * 1024;
const POOLED_BODIES_KEPT = 8;

/** A blob member decoded, and handed to its operation's sink, while the body arrives. */
interface BlobStream {
  decoder: StreamedBlobDecoder;
  sink: BlobSink;
  decoded: BodyBuffer;
}

/** What SigV4 verification reads of the request: method, path and query as sent, headers. */
function signedRequestOf(req: Request): SignedRequest {
  const url = req.originalUrl;
  const q = url.indexOf('?');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(q < 0 ? '' : url.slice(q + 1))) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { method: req.method, path: q < 0 ? url : url.slice(0, q), query, headers };
}

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
  ) {}

  @Post('/')
  async handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    const locals = res.locals as RequestLogLocals;
    const target = req.headers['x-amz-target'];
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
    const signed = signedRequestOf(req);
    let pending;
    try {
      pending = await this.authenticator.begin(signed, { currentKey: handler?.currentKey });
    } catch (err) {
      req.resume();
      throw err;
    }

    if (!handler) {
      req.resume();
      throw new UnknownOperationException(
        typeof target === 'string' && target.length > 0
          ? `The operation ${JSON.stringify(target.slice(0, 200))} is not known to this service`
          : 'The request names no operation (X-Amz-Target header missing)',
      );
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!JSON_TYPES.has(contentType)) {
      req.resume();
      throw new SerializationException(
        `Content-Type must be application/x-amz-json-1.1, not ${JSON.stringify(contentType.slice(0, 100))}`,
      );
    }

    const stream = this.openBlobStream(req, handler);
    let raw: RawBody | undefined;
    // The decoded blob lives in pooled buffers (the raw body's, or the stream's): they go back
    // to their pools only when the handler (and the sink) are done with them, whatever the
    // outcome.
    try {
      raw = await readBody(
        req,
        handler.maxBodyBytes,
        this.bodyBuffers,
        stream && ((buffer, from, to) => stream.decoder.push(buffer, from, to)),
      );
      const caller = await this.authenticator.finish(pending, signed, raw.bytes, raw.sha256);
      locals.accountId = caller.accountId;
      locals.accessKeyId = caller.accessKeyId;
      const streamed = stream?.decoder.result();
      const body = parseJsonBody(raw.bytes, handler.blobMember, streamed);
      // The sink holds the blob only if the parse kept the streamed bytes as the member.
      const blobSink =
        streamed && body[handler.blobMember!] === streamed.decoded ? stream?.sink : undefined;

      const input = validateEcrInput(handler.input, body);
      // A call acts on the caller's own registry; naming another one is AccessDeniedException.
      const registryId = authorizeRegistry(caller, handler.name, input, this.config.region);
      const result = await handler.invoke(input, {
        requestId: locals.requestId,
        registryId,
        accessKeyId: caller.accessKeyId,
        blobSink,
      });
      sendJson(res, 200, encodeResult(result));
    } finally {
      if (stream) {
        await stream.sink.discard();
        stream.decoded.release();
      }
      raw?.release();
    }
  }

  /**
   * For an operation that takes its blob while it arrives, and a body large enough to gain from
   * it: a decoder feeding the operation's sink, and the buffer the blob is decoded into.
   */
  private openBlobStream(req: Request, handler: EcrOperationHandler): BlobStream | undefined {
    const length = declaredLength(req) ?? NaN;
    if (
      !handler.openBlobSink ||
      !handler.blobMember ||
      !Number.isSafeInteger(length) ||
      length < POOLED_BODY_MIN_BYTES ||
      length > handler.maxBodyBytes
    ) {
      return undefined;
    }
    // Base64 decodes to at most 3 bytes per 4 characters: the body's length bounds the blob.
    const decoded = this.decodedBuffers.acquire(Math.ceil((length * 3) / 4));
    const sink = handler.openBlobSink();
    const decoder = new StreamedBlobDecoder(handler.blobMember, decoded.buffer, (bytes) =>
      sink.progress(bytes),
    );
    return { decoder, sink, decoded };
  }

  /** Sized, once every operation is known, to the largest body any of them accepts. */
  onApplicationBootstrap(): void {
    const largest = this.operations.maxBodyBytes();
    this.bodyBuffers = new BodyBufferPool(largest, POOLED_BODY_MIN_BYTES, POOLED_BODIES_KEPT);
    // Base64 decodes to at most 3 bytes per 4 characters.
    this.decodedBuffers = new BodyBufferPool(Math.ceil((largest * 3) / 4), 0, POOLED_BODIES_KEPT);
  }
}

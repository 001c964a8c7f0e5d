import { Controller, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { EcrAuthenticator } from '../auth/ecr-authenticator.service';
import { authorizeRegistry } from '../auth/registry-access';
import type { SignedRequest } from '../auth/sigv4';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RequestLogLocals } from '../logging/request-log.middleware';
import { BodyBufferPool } from './body-buffer-pool';
import { EcrExceptionFilter } from './ecr-exception.filter';
import { validateEcrInput } from './ecr-input';
import { EcrOperationsRegistry } from './ecr-operations.registry';
import { encodeResult, sendJson, TARGET_PREFIX } from './ecr-wire';
import { SerializationException, UnknownOperationException } from './ecr.errors';
import { parseJsonBody } from './json-body';
import { readBody } from './read-body';

const JSON_TYPES = new Set(['application/x-amz-json-1.1', 'application/json']);

/** Bodies from 1 MiB up (layer parts) are read into reused buffers; up to 8 wait for reuse. */
const POOLED_BODY_MIN_BYTES = 1024 * 1024;
const POOLED_BODIES_KEPT = 8;

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
export class EcrController {
  private bodyBuffers?: BodyBufferPool;

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
      pending = await this.authenticator.begin(signed);
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

    const raw = await readBody(req, handler.maxBodyBytes, this.bodyBufferPool());
    // The decoded blob lives inside the raw body's buffer: it goes back to the pool only when
    // the handler is done with it, whatever the outcome.
    try {
      const caller = await this.authenticator.finish(pending, signed, raw.bytes, raw.sha256);
      locals.accountId = caller.accountId;
      locals.accessKeyId = caller.accessKeyId;
      const body = parseJsonBody(raw.bytes, handler.blobMember);

      const input = validateEcrInput(handler.input, body);
      // A call acts on the caller's own registry; naming another one is AccessDeniedException.
      const registryId = authorizeRegistry(caller, handler.name, input, this.config.region);
      const result = await handler.invoke(input, { requestId: locals.requestId, registryId });
      sendJson(res, 200, encodeResult(result));
    } finally {
      raw.release();
    }
  }

  /** Sized, once every operation is known, to the largest body any of them accepts. */
  private bodyBufferPool(): BodyBufferPool {
    this.bodyBuffers ??= new BodyBufferPool(
      this.operations.maxBodyBytes(),
      POOLED_BODY_MIN_BYTES,
      POOLED_BODIES_KEPT,
    );
    return this.bodyBuffers;
  }
}

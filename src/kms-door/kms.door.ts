import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { EcrAuthenticator } from '../auth/ecr-authenticator.service';
import { isDomainError } from '../errors/domain-error-code';
import { ROOT_LOGGER } from '../logging/logger';
import type { RequestLogLocals } from '../logging/request-log.middleware';
import { signedRequestOf } from '../request-bodies/signed-request';
import { readSmallBody } from '../request-bodies/small-body';
import { leaveUnreadBody } from '../request-bodies/unread-body';
import { KmsDoorError } from './kms-door.errors';
import { kmsErrorAnswer, type KmsErrorAnswer } from './kms-error-map';
import { KmsOperations } from './kms-operations';

/** The service name KMS clients sign for. */
export const KMS_SIGNING_SERVICE = 'kms';
export const KMS_TARGET_PREFIX = 'TrentService.';
const AMZ_JSON = 'application/x-amz-json-1.1';

/** Above what any operation takes: 4 KiB of plaintext or 6 KiB of ciphertext, in base64. */
export const MAX_KMS_BODY_BYTES = 64 * 1024;

const tooLarge = (): Error => new KmsDoorError('SerializationException', 'Request body too large');

/** Whether a request is a KMS call: `POST /` whose `X-Amz-Target` names KMS's service. */
export function isKmsRequest(req: Request): boolean {
  const target = req.headers['x-amz-target'];
  return (
    req.method === 'POST' &&
    req.path === '/' &&
    typeof target === 'string' &&
    target.startsWith(KMS_TARGET_PREFIX)
  );
}

/**
 * The KMS front door: AWS KMS's JSON protocol (awsJson1_1, `X-Amz-Target: TrentService.<Op>`)
 * on the ECR port, for the access keys and accounts the ECR door knows (SigV4 with service
 * `kms`), in KMS's error JSON. Mounted ahead of Nest's routes, as the STS door is.
 */
@Injectable()
export class KmsDoor {
  constructor(
    private readonly authenticator: EcrAuthenticator,
    private readonly operations: KmsOperations,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  handler(req: Request, res: Response, next: NextFunction): void {
    if (!isKmsRequest(req)) return next();
    this.serve(req, res).catch((err: unknown) => this.fail(req, res, err));
  }

  private async serve(req: Request, res: Response): Promise<void> {
    const locals = res.locals as RequestLogLocals;
    const signed = signedRequestOf(req);
    const name = String(req.headers['x-amz-target']).slice(KMS_TARGET_PREFIX.length);
    const operation = this.operations.byName.get(name);
    if (operation) locals.operation = `kms:${name}`;
    const pending = await this.authenticator.begin(signed, { service: KMS_SIGNING_SERVICE });
    const body = await readSmallBody(req, MAX_KMS_BODY_BYTES, tooLarge);
    const caller = await this.authenticator.finish(pending, signed, body);
    locals.accountId = caller.accountId;
    locals.accessKeyId = caller.accessKeyId;
    if (!operation) {
      throw new KmsDoorError(
        'UnknownOperationException',
        `The operation ${name.slice(0, 100)} is not known to this service`,
      );
    }
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      throw new KmsDoorError('SerializationException', 'The request body is not JSON');
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new KmsDoorError('SerializationException', 'The request body is not a JSON object');
    }
    const result = await operation(caller.accountId, input as Record<string, unknown>);
    this.send(res, 200, JSON.stringify(result));
  }

  private fail(req: Request, res: Response, err: unknown): void {
    const locals = res.locals as RequestLogLocals;
    let answer: KmsErrorAnswer;
    let message: string;
    if (err instanceof KmsDoorError) {
      answer = kmsErrorAnswer(err.code);
      message = err.message;
    } else if (isDomainError(err)) {
      answer = kmsErrorAnswer(err.name);
      message = answer.status === 500 ? 'An internal error occurred.' : err.message;
    } else {
      answer = kmsErrorAnswer('ServerException');
      message = 'An internal error occurred.';
    }
    if (answer.status === 500) {
      this.logger.error({ err, requestId: locals.requestId }, 'KMS call failed');
    }
    locals.errorName = answer.type;
    leaveUnreadBody(req, res, false);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.setHeader('x-amzn-ErrorType', answer.type);
    const body: Record<string, string> = { __type: answer.type };
    // KMS leaves InvalidCiphertextException's message empty; an empty one is not sent.
    if (message) body.message = message;
    this.send(res, answer.status, JSON.stringify(body));
  }

  private send(res: Response, status: number, json: string): void {
    res.status(status);
    res.setHeader('Content-Type', AMZ_JSON);
    res.setHeader('Content-Length', Buffer.byteLength(json));
    res.end(json);
  }
}

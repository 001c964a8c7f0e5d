import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { Caller, EcrAuthenticator } from '../auth/ecr-authenticator.service';
import { isDomainError } from '../errors/domain-error-code';
import { ROOT_LOGGER } from '../logging/logger';
import type { RequestLogLocals } from '../logging/request-log.middleware';
import { signedRequestOf } from '../request-bodies/signed-request';
import { readSmallBody } from '../request-bodies/small-body';
import { leaveUnreadBody } from '../request-bodies/unread-body';
import { stsErrorAnswer, type StsErrorAnswer } from './sts-error-map';
import { callerIdentityXml, stsErrorXml, STS_VERSION, type CallerIdentity } from './sts-wire';
import { StsDoorError } from './sts.errors';

/** The service name STS clients sign for. */
export const STS_SIGNING_SERVICE = 'sts';

/** Far more than `Action=GetCallerIdentity&Version=2011-06-15` and any parameter STS knows. */
export const MAX_STS_BODY_BYTES = 16 * 1024;

const FORM_TYPE = 'application/x-www-form-urlencoded';

const tooLarge = (): Error => new StsDoorError('RequestEntityTooLarge', 'Request body too large');

/**
 * Whether a request is an STS query-protocol call: a form `POST /` with no `X-Amz-Target` (the
 * ECR door's calls are JSON and carry one), or a `GET /` naming its `Action` in the query (a
 * pre-signed GetCallerIdentity, as Kubernetes authenticators send).
 */
export function isStsRequest(req: Request): boolean {
  if (req.path !== '/' || req.headers['x-amz-target'] !== undefined) return false;
  if (req.method === 'POST') {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    return type === FORM_TYPE;
  }
  return req.method === 'GET' && typeof req.query.Action === 'string';
}

/** The identity Berth gives an access key: its account's root user (docs/authentication.md). */
export function identityOf(caller: Caller): CallerIdentity {
  return {
    account: caller.accountId,
    arn: `arn:aws:iam::${caller.accountId}:root`,
    userId: caller.accountId,
  };
}

/**
 * The STS front door: the AWS query protocol on the ECR port, answering `GetCallerIdentity` for
 * the access key that signed the call (SigV4 with service `sts`), in STS's XML. Mounted ahead of
 * Nest's routes, as the `/v2` door is.
 */
@Injectable()
export class StsDoor {
  constructor(
    private readonly authenticator: EcrAuthenticator,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  handler(req: Request, res: Response, next: NextFunction): void {
    if (!isStsRequest(req)) return next();
    this.serve(req, res).catch((err: unknown) => this.fail(req, res, err));
  }

  private async serve(req: Request, res: Response): Promise<void> {
    const locals = res.locals as RequestLogLocals;
    const signed = signedRequestOf(req);
    const pending = await this.authenticator.begin(signed, { service: STS_SIGNING_SERVICE });
    const body =
      req.method === 'POST' ? await readSmallBody(req, MAX_STS_BODY_BYTES, tooLarge) : undefined;
    const caller = await this.authenticator.finish(pending, signed, body ?? Buffer.alloc(0));
    locals.accountId = caller.accountId;
    locals.accessKeyId = caller.accessKeyId;

    const params = new URLSearchParams(body ? body.toString('utf8') : '');
    for (const [key, value] of Object.entries(signed.query)) {
      if (!params.has(key)) params.set(key, Array.isArray(value) ? value[0] : value);
    }
    const action = params.get('Action');
    if (!action) throw new StsDoorError('MissingAction', 'Missing Action');
    const version = params.get('Version') ?? '';
    if (action !== 'GetCallerIdentity' || version !== STS_VERSION) {
      throw new StsDoorError(
        'InvalidAction',
        `Could not find operation ${action.slice(0, 100)} for version ${version.slice(0, 100) || 'NO_VERSION_SPECIFIED'}`,
      );
    }
    locals.operation = 'GetCallerIdentity';
    this.send(res, 200, callerIdentityXml(identityOf(caller), locals.requestId));
  }

  private fail(req: Request, res: Response, err: unknown): void {
    const locals = res.locals as RequestLogLocals;
    let answer: StsErrorAnswer;
    let message: string;
    if (err instanceof StsDoorError) {
      answer = stsErrorAnswer(err.code);
      message = err.message;
    } else if (isDomainError(err)) {
      answer = stsErrorAnswer(err.name);
      message = answer.status === 500 ? 'An internal error occurred.' : err.message;
    } else {
      answer = stsErrorAnswer('ServerException');
      message = 'An internal error occurred.';
    }
    if (answer.status === 500) {
      this.logger.error({ err, requestId: locals.requestId }, 'STS call failed');
    }
    locals.errorName = answer.code;
    leaveUnreadBody(req, res, false);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.send(res, answer.status, stsErrorXml(answer.type, answer.code, message, locals.requestId));
  }

  private send(res: Response, status: number, xml: string): void {
    res.status(status);
    res.setHeader('Content-Type', 'text/xml');
    res.setHeader('Content-Length', Buffer.byteLength(xml));
    res.end(xml);
  }
}

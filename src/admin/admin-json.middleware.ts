import {
  BadRequestException,
  Injectable,
  NestMiddleware,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { json, NextFunction, Request, Response } from 'express';

const parse = json({ limit: '64kb' });

/**
 * Deeper than any admin body (they are flat objects). The DTO transformation and validation
 * recurse over what they are given, and a body nested thousands of levels deep (64 KiB holds
 * 32,000 levels) overflowed the stack there, a 500.
 */
export const MAX_ADMIN_JSON_DEPTH = 8;

/** Whether the request carries body bytes: a chunked body, or a `Content-Length` above 0. */
function carriesBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (
    req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0)
  );
}

/** How deep `value` nests, counted without recursion, stopping once past `limit`. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    if (depth > limit) return true;
    for (const member of Object.values(item)) {
      if (member !== null && typeof member === 'object') stack.push([member, depth + 1]);
    }
  }
  return false;
}

/**
 * JSON bodies for the admin API only: the application parses no body globally, because the ECR
 * front door reads its raw bytes itself. A request without a body gets `{}`; a body of another
 * type (`text/plain`, a form, none named) is 415, never read as if it were JSON or as no body.
 */
@Injectable()
export class AdminJsonMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    if (carriesBody(req) && !req.is('application/json')) {
      // The body is not read: the connection closes after the answer rather than drain it.
      res.setHeader('Connection', 'close');
      next(
        new UnsupportedMediaTypeException(
          'The request body must be JSON, sent with Content-Type: application/json',
        ),
      );
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (err) {
        const status = (err as { status?: number }).status;
        next(
          status === 413
            ? new PayloadTooLargeException('The request body is larger than 64 KiB')
            : new BadRequestException('The request body is not valid JSON'),
        );
        return;
      }
      const body: unknown = req.body;
      if (body === undefined || body === null) req.body = {};
      else if (nestsDeeperThan(body, MAX_ADMIN_JSON_DEPTH)) {
        next(
          new BadRequestException(
            `The request body nests deeper than ${MAX_ADMIN_JSON_DEPTH} levels`,
          ),
        );
        return;
      }
      next();
    });
  }
}

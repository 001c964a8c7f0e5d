import {
  BadRequestException,
  Injectable,
  NestMiddleware,
  PayloadTooLargeException,
} from '@nestjs/common';
import { json, NextFunction, Request, Response } from 'express';

const parse = json({ limit: '64kb' });

/**
 * JSON bodies for the admin API only: the application parses no body globally, because the ECR
 * front door reads its raw bytes itself. A request without a body gets `{}`.
 */
@Injectable()
export class AdminJsonMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
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
      next();
    });
  }
}

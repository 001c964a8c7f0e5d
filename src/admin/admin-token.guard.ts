import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AdminTokenService } from './admin-token.service';

/** Every admin route needs `Authorization: Bearer <ADMIN_TOKEN>`. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly token: AdminTokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const header = http.getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match && this.token.matches(match[1])) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="berth-admin"');
    throw new UnauthorizedException(
      match
        ? 'The admin token is not valid'
        : 'The admin API requires an Authorization: Bearer <admin token> header',
    );
  }
}

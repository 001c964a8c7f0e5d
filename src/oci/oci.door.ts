import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AccessKeysService } from '../auth/access-keys.service';
import { clientWentAway } from '../common/client-gone';
import { RegistryException } from '../common/errors/registry-exception';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ImagesService } from '../images/images.service';
import { LayersService } from '../layers/layers.service';
import { ROOT_LOGGER } from '../logging/logger';
import type { RequestLogLocals } from '../logging/request-log.middleware';
import { RateLimits } from '../rate-limits/rate-limits';
import { RepositoriesService } from '../repositories/repositories.service';
import { TokensService } from '../tokens/tokens.service';
import { UploadsService } from '../uploads/uploads.service';
import { authenticate, keyRecheck } from './authenticate';
import { wwwAuthenticate } from './basic-auth';
import type { OciServices } from './oci-call';
import { OCI_ERROR_MAP } from './oci-error-map';
import { OciError, ociErrorBody, type OciErrorCode } from './oci-errors';
import { isRepositoryName } from './oci-grammar';
import { API_VERSION, API_VERSION_HEADER, uploadRange } from './oci-headers';
import { query } from './params';
import { sendJson } from './responses';
import { matchRoute, namesRepository, operationOf, readArgument, type EcrAction } from './routes';

/**
 * The OCI Distribution API (`/v2`), the second front door: HTTP Basic with an ECR token, the
 * route of routes.ts, its handler over the same domain services the ECR door calls, and their
 * errors in the OCI format (oci-error-map.ts). Mounted on the Express app ahead of Nest's
 * routes, so it reads request bodies as streams, as they arrive.
 */
@Injectable()
export class OciDoor {
  private readonly services: OciServices;

  constructor(
    repositories: RepositoriesService,
    uploads: UploadsService,
    layers: LayersService,
    images: ImagesService,
    private readonly tokens: TokensService,
    private readonly keys: AccessKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly rateLimits: RateLimits,
  ) {
    this.services = { repositories, uploads, layers, images };
  }

  /** The Express handler for everything under `/v2` (the path is the request's whole path). */
  readonly handler = (req: Request, res: Response, next: NextFunction): void => {
    void next;
    this.handle(req, res).catch((err: unknown) => this.fail(req, res, err));
  };

  private async handle(req: Request, res: Response): Promise<void> {
    res.setHeader(API_VERSION_HEADER, API_VERSION);
    const rawPath = req.path.slice('/v2'.length);
    let path: string | undefined;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = undefined;
    }
    const found =
      path === undefined ? undefined : matchRoute(req.method, path, (key) => query(req, key));
    // For the request log and the metrics, named before authentication so that refusals are
    // counted by operation too.
    (res.locals as RequestLogLocals).operation = operationOf(found);
    const registryId = await authenticate(req, this.tokens, this.keys);
    if (path === undefined) {
      throw new OciError('NAME_INVALID', 'The path is not valid percent-encoding');
    }
    if (!found) throw new OciError('UNSUPPORTED', 'No such endpoint', undefined, 404);
    if (namesRepository(found.path) && !isRepositoryName(found.name)) {
      throw new OciError(
        'NAME_INVALID',
        `Invalid repository name '${found.name.slice(0, 300)}': it must match [a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)* and be under 256 characters`,
      );
    }
    const { route } = found;
    if (route?.ecrAction) this.throttle(registryId, route.ecrAction);
    const arg = readArgument(found);
    if (!route) {
      throw new OciError('UNSUPPORTED', `The method ${req.method} is not supported here`);
    }
    await route.handler({
      ...this.services,
      req,
      res,
      registryId,
      name: found.name,
      arg,
      recheckKey: keyRecheck(req, this.tokens, this.keys),
    });
  }

  /**
   * Spends the account's rate of the ECR operation the request stands for (the same buckets as
   * the ECR door's); past it, 429 TOOMANYREQUESTS with the seconds to wait in Retry-After.
   */
  private throttle(registryId: string, operation: EcrAction): void {
    const waitMs = this.rateLimits.take(registryId, operation);
    if (waitMs > 0) {
      throw new OciError('TOOMANYREQUESTS', 'Rate exceeded', {
        operation,
        retryAfterSeconds: Math.ceil(waitMs / 1000),
      });
    }
  }

  /** The one mapping of failures to the OCI error format. */
  private fail(req: Request, res: Response, err: unknown): void {
    let code: OciErrorCode;
    let status: number;
    let message: string;
    let detail: unknown;
    if (err instanceof OciError) {
      ({ code, status, message, detail } = err);
    } else if (err instanceof RegistryException) {
      ({ code, status } = OCI_ERROR_MAP[err.name]);
      message = err.message;
      const details = Object.entries(err.details).filter(([, v]) => v !== undefined);
      if (details.length > 0) detail = Object.fromEntries(details);
    } else {
      if (req.destroyed && !req.complete) {
        this.logger.info({ err }, 'the client went away before its request had arrived');
      } else if (clientWentAway(res, err)) {
        this.logger.info({ err }, 'the client went away before its answer had been sent');
      } else {
        this.logger.error({ err, method: req.method, path: req.path }, 'unexpected failure');
      }
      code = 'UNKNOWN';
      status = 500;
      message = 'An internal error occurred. Retry the request later.';
    }
    (res.locals as RequestLogLocals).errorName = code;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // What is left of the body is read and dropped, so that the connection stays usable.
    if (!req.complete) req.resume();
    if (status === 401) res.setHeader('WWW-Authenticate', wwwAuthenticate(this.config.publicUrl));
    if (code === 'TOOMANYREQUESTS') {
      const wait = (detail as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      res.setHeader('Retry-After', String(wait ?? 1));
    }
    if (code === 'BLOB_UPLOAD_INVALID' && status === 416 && err instanceof RegistryException) {
      const last = err.details.lastValidByteReceived;
      res.setHeader('Range', uploadRange(typeof last === 'number' ? last + 1 : 0));
    }
    sendJson(req, res, status, ociErrorBody(code, message, detail));
  }
}

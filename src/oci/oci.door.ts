import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AccessKeysService } from '../auth/access-keys.service';
import { clientWentAway } from '../common/client-gone';
import { RegistryException } from '../common/errors/registry-exception';
import { isDomainError } from '../errors/domain-error-code';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ImagesService } from '../images/images.service';
import { LayersService } from '../layers/layers.service';
import { PoliciesService } from '../policies/policies.service';
import { ROOT_LOGGER } from '../logging/logger';
import type { RequestLogLocals } from '../logging/request-log.middleware';
import { RateLimits } from '../rate-limits/rate-limits';
import { RepositoriesService } from '../repositories/repositories.service';
import { TemplatesService } from '../templates/templates.service';
import { TokensService } from '../tokens/tokens.service';
import { UploadsService } from '../uploads/uploads.service';
import { RequestBodies } from '../request-bodies/request-bodies';
import { leaveUnreadBody } from '../request-bodies/unread-body';
import { AccountBodies } from './account-bodies';
import { authenticate, requireActiveKey } from './authenticate';
import { guardBody, hasBody, type GuardedBody } from './body';
import { wwwAuthenticate } from './basic-auth';
import type { OciServices } from './oci-call';
import { ociErrorOf } from './oci-error-map';
import { OciError, ociErrorBody, type OciErrorCode } from './oci-errors';
import { isRepositoryName } from './oci-grammar';
import { API_VERSION, API_VERSION_HEADER, uploadRange } from './oci-headers';
import { query } from './params';
import { registryOf } from './registry-of';
import { sendJson } from './responses';
import {
  matchRoute,
  namesRepository,
  operationOf,
  readArgument,
  type EcrAction,
  type RouteMatch,
} from './routes';

const NOTHING = (): void => undefined;

/**
 * The OCI Distribution API (`/v2`), the second front door: HTTP Basic with an ECR token, the
 * route of routes.ts, its handler over the same domain services the ECR door calls, and their
 * errors in the OCI format (oci-error-map.ts). Mounted on the Express app ahead of Nest's
 * routes, so it reads request bodies as streams, as they arrive.
 */
@Injectable()
export class OciDoor {
  private readonly services: OciServices;
  private readonly accountBodies: AccountBodies;

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
    bodies: RequestBodies,
    private readonly templates: TemplatesService,
    private readonly policies: PoliciesService,
  ) {
    this.services = { repositories, uploads, layers, images, bodies };
    const { ociPerAccount, queueTimeoutMs } = config.bodyLimits;
    this.accountBodies = new AccountBodies(ociPerAccount, queueTimeoutMs);
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
    const locals = res.locals as RequestLogLocals;
    locals.operation = operationOf(found);
    const caller = await authenticate(req, this.tokens, this.keys);
    locals.accountId = caller.registryId;
    locals.accessKeyId = caller.accessKeyId;
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
    if (route?.ecrAction) this.throttle(caller.registryId, route.ecrAction);
    const arg = readArgument(found);
    if (!route) {
      throw new OciError('UNSUPPORTED', `The method ${req.method} is not supported here`);
    }
    const registryId = await registryOf(
      req,
      caller,
      found,
      this.config.registryHost,
      this.policies,
    );
    // ECR creates a missing repository at the first push request when a CREATE_ON_PUSH template
    // applies: a blob upload's start (or mount) or a manifest's PUT, of the caller's own registry
    // (another account's repositories are never created by a push).
    const pushes = route.ecrAction === 'InitiateLayerUpload' || route.ecrAction === 'PutImage';
    if (pushes && registryId === caller.registryId) {
      await this.templates.prepareForPush(caller.registryId, found.name);
    }
    const release = hasBody(req) ? await this.accountBodies.admit(req, caller.registryId) : NOTHING;
    let guard: GuardedBody | undefined;
    try {
      await route.handler({
        ...this.services,
        ...caller,
        accountId: caller.registryId,
        registryId,
        req,
        res,
        name: found.name,
        arg,
        body: () => (guard ??= this.guardBody(req, found)).stream,
        recheckKey: () => requireActiveKey(this.keys, caller),
      });
    } finally {
      guard?.stop();
      release();
    }
  }

  /** The body, cut with a 408 in the error code of what it carries when it arrives too slowly. */
  private guardBody(req: Request, found: RouteMatch): GuardedBody {
    const code = found.path === 'manifest' ? 'MANIFEST_INVALID' : 'BLOB_UPLOAD_INVALID';
    return guardBody(
      req,
      this.config.bodyLimits.timeoutMs,
      (message) => new OciError(code, message, undefined, 408),
    );
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
    } else if (isDomainError(err)) {
      ({ code, status } = ociErrorOf(err.name));
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
    // What is left of a short body is read and dropped, keeping the connection; a longer one
    // (or one too slow to arrive) is left unread, and the connection closed after the answer.
    leaveUnreadBody(req, res, status === 408);
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

import type { Request, Response } from 'express';
import type { ImagesService } from '../images/images.service';
import type { LayersService } from '../layers/layers.service';
import type { RepositoriesService } from '../repositories/repositories.service';
import type { RequestBodies } from '../request-bodies/request-bodies';
import type { UploadsService } from '../uploads/uploads.service';

/** What a /v2 handler calls: the domain services, and the admission of buffered bodies. */
export interface OciServices {
  readonly repositories: RepositoriesService;
  readonly uploads: UploadsService;
  readonly layers: LayersService;
  readonly images: ImagesService;
  readonly bodies: RequestBodies;
}

/** One authenticated /v2 request, as its route's handler receives it. */
export interface OciCall extends OciServices {
  readonly req: Request;
  readonly res: Response;
  /**
   * The registry the request acts on: the caller's account, or the account of the registry host
   * the request was sent to when that repository's policy allows the caller the route's action.
   */
  readonly registryId: string;
  /** The caller's account: the token's, whichever registry the request acts on. */
  readonly accountId: string;
  /** The access key the caller's token was issued to. */
  readonly accessKeyId: string;
  /** The repository named by the path (empty for `/v2/` and `/v2/_catalog`). */
  readonly name: string;
  /** What follows the route's keyword: a digest, a reference or an upload id (or empty). */
  readonly arg: string;
  /**
   * The request's body, to be read through this (never from `req`): it fails with a 408 when
   * it arrives too slowly (each 8 MiB within BODY_TIMEOUT), and when the client goes away.
   */
  body(): AsyncIterable<Buffer>;
  /**
   * Checks again that the token's access key is active (401 UNAUTHORIZED if not): for a body
   * that arrived after the key was deactivated, before anything of it is stored.
   */
  recheckKey(): Promise<void>;
}

/** A /v2 handler: answers the request on `call.res`, or throws for the door to answer. */
export type OciHandler = (call: OciCall) => Promise<void>;

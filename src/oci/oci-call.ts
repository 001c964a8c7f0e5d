import type { Request, Response } from 'express';
import type { ImagesService } from '../images/images.service';
import type { LayersService } from '../layers/layers.service';
import type { RepositoriesService } from '../repositories/repositories.service';
import type { UploadsService } from '../uploads/uploads.service';

/** The domain services a /v2 handler calls. */
export interface OciServices {
  readonly repositories: RepositoriesService;
  readonly uploads: UploadsService;
  readonly layers: LayersService;
  readonly images: ImagesService;
}

/** One authenticated /v2 request, as its route's handler receives it. */
export interface OciCall extends OciServices {
  readonly req: Request;
  readonly res: Response;
  /** The caller's account: a token acts on its own registry only. */
  readonly registryId: string;
  /** The repository named by the path (empty for `/v2/` and `/v2/_catalog`). */
  readonly name: string;
  /** What follows the route's keyword: a digest, a reference or an upload id (or empty). */
  readonly arg: string;
  /** Checks the caller's key again (UNAUTHORIZED once deactivated), before a body commits. */
  readonly recheckKey: () => Promise<void>;
}

/** A /v2 handler: answers the request on `call.res`, or throws for the door to answer. */
export type OciHandler = (call: OciCall) => Promise<void>;

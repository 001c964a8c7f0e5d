import type { BatchCheckLayerAvailabilityResponse } from '@aws-sdk/client-ecr';
import { Injectable } from '@nestjs/common';
import { LayersService } from '../../layers/layers.service';
import { BatchCheckLayerAvailabilityRequest } from '../dto/batch-check-layer-availability.request';
import type { EcrCallContext } from '../ecr-call-context';
import { EcrOperation } from '../ecr-operation.decorator';

/** BatchCheckLayerAvailability. */
@Injectable()
export class LayersOperations {
  constructor(private readonly layers: LayersService) {}

  @EcrOperation('BatchCheckLayerAvailability', BatchCheckLayerAvailabilityRequest)
  async batchCheck(
    input: BatchCheckLayerAvailabilityRequest,
    ctx: EcrCallContext,
  ): Promise<BatchCheckLayerAvailabilityResponse> {
    const checks = await this.layers.check(
      ctx.registryId,
      input.repositoryName,
      input.layerDigests,
    );
    const result: Required<BatchCheckLayerAvailabilityResponse> = { layers: [], failures: [] };
    for (const check of checks) {
      if ('failure' in check) {
        result.failures.push({
          layerDigest: check.given,
          failureCode: check.failure,
          failureReason: check.reason,
        });
      } else if ('layer' in check) {
        result.layers.push({
          layerDigest: check.given,
          layerAvailability: 'AVAILABLE',
          layerSize: check.layer.size,
          mediaType: check.layer.mediaType,
        });
      } else {
        result.layers.push({ layerDigest: check.given, layerAvailability: 'UNAVAILABLE' });
      }
    }
    return result;
  }
}

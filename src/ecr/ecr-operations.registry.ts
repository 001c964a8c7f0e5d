import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { BlobSink } from '../common/blob-sink';
import type { EcrCallContext } from './ecr-call-context';
import {
  DEFAULT_MAX_BODY_BYTES,
  ECR_OPERATION,
  EcrOperationMetadata,
} from './ecr-operation.decorator';

export interface EcrOperationHandler {
  name: string;
  input: new () => object;
  maxBodyBytes: number;
  blobMember?: string;
  /** Authenticated against the key's current row (`EcrOperationOptions.currentKey`). */
  currentKey: boolean;
  /** Opens a sink for the blob member, when the operation takes it while it arrives. */
  openBlobSink?: () => BlobSink;
  /** The response members (Dates are sent as epoch seconds). */
  invoke(input: object, context: EcrCallContext): Promise<object>;
}

/**
 * Finds every `@EcrOperation` method of the ECR door's operation classes
 * (`src/ecr/operations`), once at start-up.
 */
@Injectable()
export class EcrOperationsRegistry implements OnModuleInit {
  private readonly handlers = new Map<string, EcrOperationHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[methodName];
        if (typeof method !== 'function') continue;
        const meta = this.reflector.get<EcrOperationMetadata | undefined>(
          ECR_OPERATION,
          method as (...args: unknown[]) => unknown,
        );
        if (!meta) continue;
        if (this.handlers.has(meta.name)) {
          throw new Error(`ECR operation ${meta.name} has two handlers`);
        }
        const fn = method as (input: object, context: EcrCallContext) => Promise<object>;
        let openBlobSink: (() => BlobSink) | undefined;
        if (meta.blobSink !== undefined) {
          const open = (prototype as Record<string, unknown>)[meta.blobSink];
          if (typeof open !== 'function' || !meta.blobMember) {
            throw new Error(
              `ECR operation ${meta.name}: no blob member or no method ${meta.blobSink}`,
            );
          }
          openBlobSink = () => (open as () => BlobSink).call(instance);
        }
        this.handlers.set(meta.name, {
          name: meta.name,
          input: meta.input,
          maxBodyBytes: meta.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
          blobMember: meta.blobMember,
          currentKey: meta.currentKey ?? false,
          openBlobSink,
          invoke: (input, context) => fn.call(instance, input, context),
        });
      }
    }
  }

  get(name: string): EcrOperationHandler | undefined {
    return this.handlers.get(name);
  }

  /** The largest body any operation accepts. */
  maxBodyBytes(): number {
    let max = DEFAULT_MAX_BODY_BYTES;
    for (const handler of this.handlers.values()) max = Math.max(max, handler.maxBodyBytes);
    return max;
  }

  names(): string[] {
    return [...this.handlers.keys()].sort();
  }
}

import { SetMetadata } from '@nestjs/common';

export const ECR_OPERATION = 'berth:ecr-operation';

/** Every operation's input is small unless it says otherwise: 100 image ids or 50 tags are a
 * few tens of KiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface EcrOperationOptions {
  /** The largest request body the operation's input can need. */
  maxBodyBytes?: number;
  /** A large base64 `blob` member, cut out of the body instead of parsed as JSON. */
  blobMember?: string;
  /**
   * The name of a method of the same provider that opens a `BlobSink`: the front door then
   * feeds the blob member into it while the body arrives, and hands it to the handler in
   * `EcrCallContext.blobSink`.
   */
  blobSink?: string;
  /**
   * Authenticate the call against its access key's current row, never a key an instance reused
   * from its cache: for an operation that hands out a long-lived credential.
   */
  currentKey?: boolean;
}

export interface EcrOperationMetadata extends EcrOperationOptions {
  /** The operation name after `AmazonEC2ContainerRegistry_V20150921.` */
  name: string;
  /** The request DTO class; its validation decorators state the model's constraints. */
  input: new () => object;
}

/**
 * Marks a method of an ECR operations class as the handler of one ECR operation. The method receives the validated
 * input and an `EcrCallContext` and returns the response members; the front door does the rest.
 * An operation with a large input states its body limit (and blob member) here, next to the DTO
 * that needs it, so the front door keeps no table of operations.
 */
export const EcrOperation = (
  name: string,
  input: new () => object,
  options: EcrOperationOptions = {},
): MethodDecorator =>
  SetMetadata<string, EcrOperationMetadata>(ECR_OPERATION, { name, input, ...options });

import { SetMetadata } from '@nestjs/common';

export const ECR_OPERATION = 'berth:ecr-operation';

export interface EcrOperationMetadata {
  /** The operation name after `AmazonEC2ContainerRegistry_V20150921.` */
  name: string;
  /** The request DTO class; its validation decorators state the model's constraints. */
  input: new () => object;
}

/**
 * Marks a provider method as the handler of one ECR operation. The method receives the validated
 * input and an `EcrCallContext` and returns the response members; the front door does the rest.
 */
export const EcrOperation = (name: string, input: new () => object): MethodDecorator =>
  SetMetadata<string, EcrOperationMetadata>(ECR_OPERATION, { name, input });

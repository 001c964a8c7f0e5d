import { decodeBase64Strict } from '../base64';
import { Transform, Type as TransformType } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInstance,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/**
 * Validation decorators that state the ECR API model's constraints. Each carries the wording ECR
 * uses in `Invalid parameter at '<member>' failed to satisfy constraint: '<constraint>'` and a
 * `kind`, so the protocol layer can tell a wrong JSON type (a serialization error) from a
 * constraint violation and report the violations in ECR's order.
 */
export type ConstraintKind = 'type' | 'required' | 'length' | 'range' | 'enum' | 'pattern';
export interface ConstraintContext {
  kind: ConstraintKind;
}

const ctx = (kind: ConstraintKind): { context: ConstraintContext } => ({ context: { kind } });

function compose(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((d) => d(target, key));
}

/** A required member: absent or null is a violation. */
export const Required = (): PropertyDecorator =>
  IsDefined({ message: 'Member must not be null', ...ctx('required') });

/** An optional member: absent or null skips every other rule. */
export const Optional = (): PropertyDecorator => IsOptional();

export const StringMember = (): PropertyDecorator =>
  IsString({ message: 'must be a string', ...ctx('type') });

export const BooleanMember = (): PropertyDecorator =>
  IsBoolean({ message: 'must be a boolean', ...ctx('type') });

export const IntegerMember = (): PropertyDecorator =>
  IsInt({ message: 'must be an integer', ...ctx('type') });

/** A whole-string match of the model's pattern. */
export const Pattern = (pattern: string, each = false): PropertyDecorator =>
  Matches(new RegExp(`^(?:${pattern})$`), {
    message: `must satisfy regular expression '${pattern}'`,
    each,
    ...ctx('pattern'),
  });

export const Length = (
  min: number | undefined,
  max: number | undefined,
  each = false,
): PropertyDecorator =>
  compose(
    ...(min !== undefined
      ? [
          MinLength(min, {
            message: `must have length greater than or equal to ${min}`,
            each,
            ...ctx('length'),
          }),
        ]
      : []),
    ...(max !== undefined
      ? [
          MaxLength(max, {
            message: `must have length less than or equal to ${max}`,
            each,
            ...ctx('length'),
          }),
        ]
      : []),
  );

export const Range = (min: number | undefined, max: number | undefined): PropertyDecorator =>
  compose(
    ...(min !== undefined
      ? [
          Min(min, {
            message: `Member must have value greater than or equal to ${min}`,
            ...ctx('range'),
          }),
        ]
      : []),
    ...(max !== undefined
      ? [
          Max(max, {
            message: `Member must have value less than or equal to ${max}`,
            ...ctx('range'),
          }),
        ]
      : []),
  );

export const OneOf = (values: readonly string[], each = false): PropertyDecorator =>
  IsIn(values as string[], {
    message: `must satisfy enum value set: [${values.join(', ')}]`,
    each,
    ...ctx('enum'),
  });

/**
 * A list member with the model's size limits; `item` states each element's type. ECR words a
 * list's size with "Member must have length …" (seen for `imageIds`: trek10inc/ecr-cleaner#8,
 * 99designs/aws-ecr-gc#3), a string's length without "Member".
 */
export const ListMember = (
  min: number | undefined,
  max: number | undefined,
  item: 'string' | 'object',
): PropertyDecorator =>
  compose(
    IsArray({ message: 'must be a list', ...ctx('type') }),
    ...(item === 'string'
      ? [IsString({ each: true, message: 'must be a list of strings', ...ctx('type') })]
      : [IsObject({ each: true, message: 'must be a list of structures', ...ctx('type') })]),
    ...(min !== undefined
      ? [
          ArrayMinSize(min, {
            message: `Member must have length greater than or equal to ${min}`,
            ...ctx('length'),
          }),
        ]
      : []),
    ...(max !== undefined
      ? [
          ArrayMaxSize(max, {
            message: `Member must have length less than or equal to ${max}`,
            ...ctx('length'),
          }),
        ]
      : []),
  );

/** A nested structure (or list of structures) validated by its own class. */
export const Nested = (cls: () => new () => object, list = false): PropertyDecorator =>
  compose(
    ...(list ? [] : [IsObject({ message: 'must be a structure', ...ctx('type') })]),
    ValidateNested({ each: list }),
    TransformType(cls),
  );

/** A `blob` member: base64 text on the wire, a Buffer for the handler. */
export const BlobMember = (): PropertyDecorator =>
  compose(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? (decodeBase64Strict(value) ?? value) : value,
    ),
    IsInstance(Buffer, { message: 'must be base64-encoded binary data', ...ctx('type') }),
  );

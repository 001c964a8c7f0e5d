import { plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  ValidationArguments,
  ValidationError,
  ValidationTypes,
  validateSync,
} from 'class-validator';
import type { ConstraintMetadata } from 'class-validator/types/metadata/ConstraintMetadata';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { ConstraintContext, ConstraintKind } from '../common/validation/ecr-constraints';
import { SerializationException } from './ecr.errors';

/** Far deeper than any input of the model (CreateRepository's tags are three levels down). */
export const MAX_INPUT_DEPTH = 32;

// Names JavaScript and class-transformer give a meaning to. The model has no member of these
// names, so they are dropped like any other unknown member; left in, `__proto__` would swap the
// prototype of the object class-transformer builds (and with it the validation rules), and
// `constructor` breaks the transformation.
const RESERVED_MEMBERS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * An array or object as JSON.parse makes them. Anything else (the Buffer the body parser decodes
 * a `layerPartBlob` into) is a value, never walked: its indexes are no members.
 */
function isJsonContainer(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * Prepares a parsed body for the DTO transformation, in place and without recursion: a member
 * whose value is null counts as absent (as in AWS's JSON protocols), reserved names are dropped,
 * and nesting deeper than MAX_INPUT_DEPTH is `SerializationException` (the transformation and
 * the validation recurse, and would overflow the stack).
 */
function normaliseInput(body: Record<string, unknown>): void {
  const stack: [object, number][] = [[body, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [value, depth] = next;
    if (depth > MAX_INPUT_DEPTH) {
      throw new SerializationException(
        `The request body nests deeper than ${MAX_INPUT_DEPTH} levels`,
      );
    }
    if (Array.isArray(value)) {
      for (const item of value as unknown[])
        if (isJsonContainer(item)) stack.push([item, depth + 1]);
      continue;
    }
    const members = value as Record<string, unknown>;
    for (const key of Object.keys(members)) {
      const member = members[key];
      if (member === null || RESERVED_MEMBERS.has(key)) delete members[key];
      else if (isJsonContainer(member)) stack.push([member, depth + 1]);
    }
  }
}

interface Violation {
  path: string;
  kind: ConstraintKind;
  message: string;
}

// ECR reports one violation; a missing member first, then size limits, then the pattern.
const ORDER: Record<ConstraintKind, number> = {
  type: 0,
  required: 1,
  length: 2,
  range: 3,
  enum: 4,
  pattern: 5,
};

function collect(errors: ValidationError[], prefix: string, out: Violation[]): void {
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const contexts = (error.contexts ?? {}) as Record<string, ConstraintContext | undefined>;
    const found: Violation[] = [];
    for (const [name, message] of Object.entries(error.constraints ?? {})) {
      found.push({ path, kind: contexts[name]?.kind ?? 'pattern', message });
    }
    // An absent member fails its type rules too; absence is what it is.
    const missing = found.find((v) => v.kind === 'required');
    found.sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
    if (missing) out.push(missing);
    else if (found.length > 0) out.push(found[0]);
    if (error.children?.length) collect(error.children, path, out);
  }
}

type Check = (instance: Record<string, unknown>) => boolean;
type Dto = new () => object;

/**
 * A check of an instance of `cls` by the very rules and validator functions of its class-validator
 * metadata, without class-validator's executor (which builds an error object per member, and
 * calls each rule through several layers per list element: most of a small call's validation
 * time). It answers only whether every rule holds; the first false, or anything it does not do
 * exactly as `validateSync` would (nested or asynchronous validation), sends the call to
 * `validateSync`, which words the error. Null when the class has a rule of that kind.
 */
function compileCheck(cls: Dto): { check: Check; members: Set<string> } | null {
  const storage = getMetadataStorage();
  const byProperty = storage.groupByPropertyName(
    storage.getTargetValidationMetadatas(cls, '', false, false),
  );
  const properties: {
    name: string;
    conditions: ValidationMetadata[];
    rules: { meta: ValidationMetadata; constraints: ConstraintMetadata[] }[];
  }[] = [];
  for (const [name, metas] of Object.entries(byProperty)) {
    const conditions: ValidationMetadata[] = [];
    const rules: { meta: ValidationMetadata; constraints: ConstraintMetadata[] }[] = [];
    for (const meta of metas) {
      if (meta.type === ValidationTypes.WHITELIST) continue;
      if (meta.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        conditions.push(meta);
      } else if (
        meta.type === ValidationTypes.CUSTOM_VALIDATION ||
        meta.type === ValidationTypes.IS_DEFINED
      ) {
        const constraints = storage.getTargetValidatorConstraints(meta.constraintCls);
        if (constraints.some((c) => c.async)) return null;
        rules.push({ meta, constraints });
      } else {
        return null;
      }
    }
    properties.push({ name, conditions, rules });
  }
  const check: Check = (object) => {
    for (const { name, conditions, rules } of properties) {
      const value = object[name];
      const skip = conditions.some(
        (c) => !(c.constraints[0] as (o: object, v: unknown) => boolean)(object, value),
      );
      if (skip) continue;
      for (const { meta, constraints } of rules) {
        const args: ValidationArguments = {
          targetName: cls.name,
          property: name,
          object,
          value,
          constraints: meta.constraints,
        };
        const values =
          meta.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)
            ? Array.from(value instanceof Map ? value.values() : (value as Iterable<unknown>))
            : [value];
        for (const constraint of constraints) {
          for (const v of values) {
            const ok = constraint.instance.validate(v, args);
            if (!ok || ok instanceof Promise) return false;
          }
        }
      }
    }
    return true;
  };
  return { check, members: new Set(Object.keys(byProperty)) };
}

const compiled = new WeakMap<Dto, { check: Check; members: Set<string> } | null>();

/**
 * The instance, checked and stripped as `validateSync` with `whitelist` would leave a valid one
 * (members without rules go); false when it must go through `validateSync`.
 */
function passesFastCheck(cls: Dto, instance: Record<string, unknown>): boolean {
  let c = compiled.get(cls);
  if (c === undefined) {
    c = compileCheck(cls);
    compiled.set(cls, c);
  }
  if (!c || !c.check(instance)) return false;
  for (const key of Object.keys(instance)) if (!c.members.has(key)) delete instance[key];
  return true;
}

/**
 * Turns a parsed JSON body into the operation's validated DTO, or throws the ECR error for the
 * first problem: `SerializationException` for a member of the wrong JSON type or a body nested
 * too deep,
 * `InvalidParameterException` in ECR's wording for a constraint violation. Members the model does
 * not know are ignored.
 */
export function validateEcrInput<T extends object>(
  cls: new () => T,
  body: Record<string, unknown>,
): T {
  normaliseInput(body);
  // class-transformer copies Buffers; a decoded 20 MiB part is set aside and put back instead.
  const buffers = Object.entries(body).filter(([, value]) => Buffer.isBuffer(value));
  for (const [key] of buffers) body[key] = '';
  const instance = plainToInstance(cls, body, { excludeExtraneousValues: false });
  for (const [key, value] of buffers) (instance as Record<string, unknown>)[key] = value;
  if (passesFastCheck(cls, instance as Record<string, unknown>)) return instance;
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: false,
    forbidUnknownValues: false,
    validationError: { target: false, value: false },
  });
  if (errors.length === 0) return instance;
  const violations: Violation[] = [];
  collect(errors, '', violations);
  const typeError = violations.find((v) => v.kind === 'type');
  if (typeError) {
    throw new SerializationException(
      `Unexpected value at '${typeError.path}': ${typeError.message}`,
    );
  }
  const first = violations[0];
  if (!first) throw new SerializationException('The request body could not be read');
  throw InvalidParameterException.constraint(first.path, first.message);
}

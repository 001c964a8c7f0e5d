import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
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

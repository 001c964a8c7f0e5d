import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { ConstraintContext, ConstraintKind } from '../common/validation/ecr-constraints';
import { SerializationException } from './ecr.errors';

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
 * first problem: `SerializationException` for a member of the wrong JSON type,
 * `InvalidParameterException` in ECR's wording for a constraint violation. Members the model does
 * not know are ignored.
 */
export function validateEcrInput<T extends object>(
  cls: new () => T,
  body: Record<string, unknown>,
): T {
  const instance = plainToInstance(cls, body, { excludeExtraneousValues: false });
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

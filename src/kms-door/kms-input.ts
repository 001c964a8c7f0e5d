import { InvalidParameterException } from '../common/errors/registry-exception';

/** A request's members, as parsed from its JSON body. */
export type KmsInput = Record<string, unknown>;

function invalid(value: unknown, member: string, constraint: string): InvalidParameterException {
  const shown = value === undefined ? 'null' : JSON.stringify(value)?.slice(0, 100);
  return new InvalidParameterException(
    `1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

const lower = (member: string): string => member[0].toLowerCase() + member.slice(1);

export function optionalString(
  input: KmsInput,
  member: string,
  max = 2048,
  min = 1,
): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(value, lower(member), 'Member must be a string');
  if (value.length < min || value.length > max) {
    throw invalid(
      value,
      lower(member),
      `Member must have length between ${min} and ${max}, inclusive`,
    );
  }
  return value;
}

export function requiredString(input: KmsInput, member: string, max = 2048): string {
  const value = optionalString(input, member, max);
  if (value === undefined) throw invalid(undefined, lower(member), 'Member must not be null');
  return value;
}

export function optionalInteger(
  input: KmsInput,
  member: string,
  min: number,
  max: number,
): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(
      value,
      lower(member),
      `Member must have value between ${min} and ${max}, inclusive`,
    );
  }
  return value;
}

export function optionalEnum<T extends string>(
  input: KmsInput,
  member: string,
  values: readonly T[],
): T | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !values.includes(value as T)) {
    throw invalid(
      value,
      lower(member),
      `Member must satisfy enum value set: [${values.join(', ')}]`,
    );
  }
  return value as T;
}

/** A blob member: base64 in the JSON body. */
export function blob(input: KmsInput, member: string, max: number, required: true): Buffer;
export function blob(
  input: KmsInput,
  member: string,
  max: number,
  required: false,
): Buffer | undefined;
export function blob(
  input: KmsInput,
  member: string,
  max: number,
  required: boolean,
): Buffer | undefined {
  const value = input[member];
  if (value === undefined || value === null) {
    if (required) throw invalid(undefined, lower(member), 'Member must not be null');
    return undefined;
  }
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw invalid('<blob>', lower(member), 'Member must be base64-encoded');
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 1 || bytes.length > max) {
    throw invalid(
      '<blob>',
      lower(member),
      `Member must have length between 1 and ${max}, inclusive`,
    );
  }
  return bytes;
}

/** An encryption context: string keys to string values. */
export function encryptionContext(input: KmsInput): Record<string, string> | undefined {
  const value = input.EncryptionContext;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(value, 'encryptionContext', 'Member must be a map of strings');
  }
  for (const v of Object.values(value)) {
    if (typeof v !== 'string')
      throw invalid(v, 'encryptionContext', 'Member must be a map of strings');
  }
  return value as Record<string, string>;
}

/** A page marker: the last item of the previous page, opaque to the caller. */
export function encodeMarker(after: string): string {
  return Buffer.from(after, 'utf8').toString('base64url');
}

export function decodeMarker(
  marker: string | undefined,
  pattern: RegExp,
): string | undefined | null {
  if (marker === undefined) return undefined;
  const after = Buffer.from(marker, 'base64url').toString('utf8');
  return pattern.test(after) ? after : null;
}

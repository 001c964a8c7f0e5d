import { stdSerializers } from 'pino';

/**
 * Members of a database error that hold the values of a statement: TypeORM's QueryFailedError
 * carries the statement's `parameters`, and PostgreSQL's `detail` and `where` repeat values
 * (`Key (name)=(…) already exists`, `Failing row contains (…)`). The sealed secret of an access
 * key being inserted once reached the log that way. None of them is ever written.
 */
const VALUE_MEMBERS = new Set(['parameters', 'detail', 'where', 'internalQuery']);

/** Members naming schema objects, which a message may quote and keep. */
const IDENTIFIER_MEMBERS = ['schema', 'table', 'column', 'dataType', 'constraint'];

type Serialized = Record<string, unknown>;

function isObject(value: unknown): value is Serialized {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A statement's failure: TypeORM's wrapper (it has `query`) or PostgreSQL's own error. */
function isDatabaseError(err: Serialized): boolean {
  return (
    typeof err.query === 'string' ||
    (typeof err.severity === 'string' &&
      typeof err.code === 'string' &&
      /^[0-9A-Z]{5}$/.test(err.code))
  );
}

function identifiersOf(err: Serialized, into: Set<string>): Set<string> {
  for (const member of IDENTIFIER_MEMBERS) {
    const value = err[member];
    if (typeof value === 'string') into.add(value);
  }
  for (const value of Object.values(err)) if (isObject(value)) identifiersOf(value, into);
  return into;
}

/**
 * PostgreSQL quotes the offending value in some messages (`invalid input syntax for type bigint:
 * "…"`, `value "…" is out of range`) and shows bytes of it in others (`0x00`): those go, the
 * names of the schema objects stay.
 */
function withoutValues(text: string, identifiers: Set<string>): string {
  return text
    .replace(/"([^"]*)"/g, (quoted, inner: string) => (identifiers.has(inner) ? quoted : '"…"'))
    .replace(/0x[0-9a-f]{2}(?: 0x[0-9a-f]{2})*/gi, '0x…');
}

function scrub(err: Serialized, identifiers: Set<string> | undefined): Serialized {
  const out: Serialized = {};
  for (const [key, value] of Object.entries(err)) {
    if (VALUE_MEMBERS.has(key)) continue;
    if (isObject(value)) out[key] = scrub(value, identifiers);
    else if (Array.isArray(value)) {
      out[key] = value.map((item: unknown) => (isObject(item) ? scrub(item, identifiers) : item));
    } else out[key] = value;
  }
  if (identifiers) {
    for (const key of ['message', 'stack']) {
      if (typeof out[key] === 'string') out[key] = withoutValues(out[key], identifiers);
    }
  }
  return out;
}

/**
 * Pino's `err` serializer, minus every value a failed statement carries: the statement's text
 * stays (it has placeholders, not values), its parameters and PostgreSQL's quoting of them go.
 */
export function serializeError(err: unknown): unknown {
  const serialized: unknown = stdSerializers.err(err as Error);
  if (!isObject(serialized)) return serialized;
  const database =
    isDatabaseError(serialized) ||
    Object.values(serialized).some((v) => isObject(v) && isDatabaseError(v));
  return scrub(serialized, database ? identifiersOf(serialized, new Set()) : undefined);
}

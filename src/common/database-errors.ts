import { QueryFailedError } from 'typeorm';

interface PgDriverError {
  code?: string;
  constraint?: string;
}

/** True when `err` is PostgreSQL's unique_violation, optionally of one named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const driver = (err instanceof QueryFailedError ? err.driverError : err) as PgDriverError | null;
  if (!driver || typeof driver !== 'object' || driver.code !== '23505') return false;
  return constraint === undefined || driver.constraint === constraint;
}

/**
 * True when `err` is PostgreSQL's foreign_key_violation (the row referred to is not, or no longer,
 * there), optionally of one named constraint.
 */
export function isForeignKeyViolation(err: unknown, constraint?: string): boolean {
  const driver = (err instanceof QueryFailedError ? err.driverError : err) as PgDriverError | null;
  if (!driver || typeof driver !== 'object' || driver.code !== '23503') return false;
  return constraint === undefined || driver.constraint === constraint;
}

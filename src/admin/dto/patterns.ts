/** The shapes of the ids the admin API takes, in paths, queries, bodies and cursors. */
export const ACCOUNT_ID = /^[0-9]{12}$/;
export const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
/** A bigint row id as PostgreSQL holds them: positive, and never out of its range. */
export const ROW_ID = /^[1-9][0-9]{0,17}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** PostgreSQL text cannot hold U+0000: a string carrying it would fail in SQL, not here. */
// eslint-disable-next-line no-control-regex -- the NUL is what it matches
export const NO_NUL = /^[^\u0000]*$/;

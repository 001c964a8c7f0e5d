const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KEY_ID = new RegExp(`^${UUID}$`);
const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;
const ARN = /^arn:aws[a-z0-9-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

/** How a request named a key: its id or an alias, in the caller's account or one an ARN names. */
export type KeyRef =
  | { kind: 'key'; keyId: string; accountId?: string; region?: string }
  | { kind: 'alias'; name: string; accountId?: string; region?: string };

/**
 * A key id, key ARN, alias name or alias ARN, as KMS takes them in `KeyId`; undefined when the
 * text is none of these.
 */
export function parseKeyRef(text: string): KeyRef | undefined {
  if (KEY_ID.test(text)) return { kind: 'key', keyId: text };
  if (ALIAS_NAME.test(text)) return { kind: 'alias', name: text };
  const arn = ARN.exec(text);
  if (!arn) return undefined;
  const [, region, accountId, kind, rest] = arn;
  if (kind === 'key') {
    return KEY_ID.test(rest) ? { kind: 'key', keyId: rest, accountId, region } : undefined;
  }
  const name = `alias/${rest}`;
  return ALIAS_NAME.test(name) ? { kind: 'alias', name, accountId, region } : undefined;
}

/** Whether `name` is a well-formed alias name (`alias/…`). */
export function isAliasName(name: string): boolean {
  return ALIAS_NAME.test(name);
}

/** Aliases of AWS managed keys: created by the service, never by a caller. */
export function isReservedAlias(name: string): boolean {
  return name.startsWith('alias/aws/');
}

export function keyArn(region: string, accountId: string, keyId: string): string {
  return `arn:aws:kms:${region}:${accountId}:key/${keyId}`;
}

export function aliasArn(region: string, accountId: string, name: string): string {
  return `arn:aws:kms:${region}:${accountId}:${name}`;
}

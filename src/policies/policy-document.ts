import { InvalidParameterException } from '../common/errors/registry-exception';

/**
 * A repository policy as Berth evaluates it: IAM policy JSON reduced to what decides whether a
 * caller of another account may perform an action on the repository. Only documents Berth can
 * evaluate entirely are accepted (docs/repository-policies.md lists what that is); any other is
 * refused when it is set, never stored and then ignored.
 */
export interface RepositoryPolicy {
  readonly statements: readonly PolicyStatement[];
}

export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  /** `Principal`: who the statement is about; `'*'` is everyone. */
  readonly principals: readonly PrincipalPattern[] | '*';
  /** `Action` (`negated` false) or `NotAction` (true), lower-cased patterns. */
  readonly actions: { readonly negated: boolean; readonly patterns: readonly string[] };
  readonly conditions: readonly PolicyCondition[];
}

/** An `AWS` principal: an account id, an account's root ARN, a user ARN, with wildcards. */
export type PrincipalPattern =
  | { readonly kind: 'aws'; readonly pattern: string }
  /** A `Service` principal: no Berth caller is a service, so it never matches. */
  | { readonly kind: 'service'; readonly pattern: string };

export const CONDITION_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
] as const;
type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** The condition keys Berth knows for every caller (compared case-insensitively, as in IAM). */
export const CONDITION_KEYS = ['aws:PrincipalAccount', 'aws:PrincipalArn'] as const;
type ConditionKey = (typeof CONDITION_KEYS)[number];

export interface PolicyCondition {
  readonly operator: ConditionOperator;
  readonly key: ConditionKey;
  readonly values: readonly string[];
}

/** Who makes a call, as a policy sees them. */
export interface PolicyCaller {
  /** The caller's account id. */
  readonly account: string;
  /** The caller's own principal ARN (the user Berth gives its access key). */
  readonly principalArn: string;
}

export type PolicyDecision = 'allow' | 'deny' | 'none';

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const DOCUMENT_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'Action',
  'NotAction',
  'Resource',
  'Condition',
]);
/** An action pattern: `*`, or `ecr:` and a name of letters with wildcards. */
const ACTION = /^(\*|ecr:[A-Za-z*?]+)$/i;
/** An AWS principal: `*`, an account id, or an IAM ARN. */
const AWS_PRINCIPAL = /^(\*|\d{12}|arn:aws:iam::[\d*?]{1,12}:(root|user\/[\w+=,.@*?/-]{1,128}))$/;
const SERVICE_PRINCIPAL = /^[a-z0-9.*?-]{1,128}$/;

/** The root ARN of an account: the principal that stands for the whole account. */
export function accountRootArn(account: string): string {
  return `arn:aws:iam::${account}:root`;
}

function invalid(reason: string): InvalidParameterException {
  return new InvalidParameterException(
    `Invalid parameter at 'PolicyText' failed to satisfy constraint: '${reason}'`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string or a non-empty list of strings, as IAM writes one-or-many. */
function stringList(value: unknown, what: string): string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) throw invalid(`${what} must not be empty`);
  for (const item of list) {
    if (typeof item !== 'string' || item.length === 0) {
      throw invalid(`${what} must be a string or a list of strings`);
    }
  }
  return list as string[];
}

function parsePrincipal(value: unknown): PolicyStatement['principals'] {
  if (value === '*') return '*';
  if (!isObject(value)) {
    throw invalid('Principal must be "*" or an object of principal types (AWS, Service)');
  }
  const principals: PrincipalPattern[] = [];
  for (const [type, entries] of Object.entries(value)) {
    if (type === 'AWS') {
      for (const entry of stringList(entries, 'Principal AWS')) {
        if (!AWS_PRINCIPAL.test(entry)) {
          throw invalid(
            `Principal AWS ${JSON.stringify(entry.slice(0, 200))} is not "*", an account id, arn:aws:iam::<account>:root or arn:aws:iam::<account>:user/<name>`,
          );
        }
        if (entry === '*') return '*';
        principals.push({ kind: 'aws', pattern: entry });
      }
    } else if (type === 'Service') {
      for (const entry of stringList(entries, 'Principal Service')) {
        if (!SERVICE_PRINCIPAL.test(entry)) {
          throw invalid(`Principal Service ${JSON.stringify(entry.slice(0, 200))} is not valid`);
        }
        principals.push({ kind: 'service', pattern: entry });
      }
    } else {
      throw invalid(
        `Principal type ${JSON.stringify(type.slice(0, 100))} is not supported (AWS and Service are)`,
      );
    }
  }
  if (principals.length === 0) throw invalid('Principal must name at least one principal');
  return principals;
}

function parseActions(statement: Record<string, unknown>): PolicyStatement['actions'] {
  const hasAction = 'Action' in statement;
  const hasNotAction = 'NotAction' in statement;
  if (hasAction === hasNotAction) {
    throw invalid('Each statement must have exactly one of Action and NotAction');
  }
  const member = hasAction ? 'Action' : 'NotAction';
  const patterns = stringList(statement[member], member).map((action) => {
    if (!ACTION.test(action)) {
      throw invalid(
        `${member} ${JSON.stringify(action.slice(0, 200))} is not an ecr: action (a repository policy governs only ecr: actions)`,
      );
    }
    return action.toLowerCase();
  });
  return { negated: !hasAction, patterns };
}

function parseConditions(value: unknown): PolicyCondition[] {
  if (value === undefined) return [];
  if (!isObject(value)) throw invalid('Condition must be an object');
  const conditions: PolicyCondition[] = [];
  for (const [operator, block] of Object.entries(value)) {
    if (!(CONDITION_OPERATORS as readonly string[]).includes(operator)) {
      throw invalid(
        `Condition operator ${JSON.stringify(operator.slice(0, 100))} is not supported (supported: ${CONDITION_OPERATORS.join(', ')})`,
      );
    }
    if (!isObject(block)) throw invalid(`Condition ${operator} must be an object`);
    for (const [rawKey, values] of Object.entries(block)) {
      const key = CONDITION_KEYS.find((k) => k.toLowerCase() === rawKey.toLowerCase());
      if (!key) {
        throw invalid(
          `Condition key ${JSON.stringify(rawKey.slice(0, 100))} is not supported (supported: ${CONDITION_KEYS.join(', ')})`,
        );
      }
      conditions.push({
        operator: operator as ConditionOperator,
        key,
        values: stringList(values, `Condition ${operator} ${key}`),
      });
    }
  }
  return conditions;
}

/** `Resource`, when given, can only name the repository itself (or everything). */
function checkResource(value: unknown, repositoryArn: string): void {
  if (value === undefined) return;
  for (const resource of stringList(value, 'Resource')) {
    if (!wildcardMatches(resource, repositoryArn)) {
      throw invalid(
        `Resource ${JSON.stringify(resource.slice(0, 300))} does not name this repository (${repositoryArn})`,
      );
    }
  }
}

function parseStatement(value: unknown, repositoryArn: string): PolicyStatement {
  if (!isObject(value)) throw invalid('Each statement must be an object');
  for (const key of Object.keys(value)) {
    if (!STATEMENT_KEYS.has(key)) {
      throw invalid(
        `Statement element ${JSON.stringify(key.slice(0, 100))} is not supported (NotPrincipal and NotResource are not)`,
      );
    }
  }
  if (value.Sid !== undefined && typeof value.Sid !== 'string') {
    throw invalid('Sid must be a string');
  }
  if (value.Effect !== 'Allow' && value.Effect !== 'Deny') {
    throw invalid('Effect must be "Allow" or "Deny"');
  }
  if (!('Principal' in value)) throw invalid('Each statement must have a Principal');
  checkResource(value.Resource, repositoryArn);
  return {
    effect: value.Effect,
    principals: parsePrincipal(value.Principal),
    actions: parseActions(value),
    conditions: parseConditions(value.Condition),
  };
}

/**
 * Parses and validates a repository policy for the repository `repositoryArn`, or throws
 * InvalidParameterException naming what is wrong. The text is stored as given; this is only
 * its reading.
 */
export function parseRepositoryPolicy(text: string, repositoryArn: string): RepositoryPolicy {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw invalid('Invalid repository policy provided: the policy text is not JSON');
  }
  if (!isObject(document)) throw invalid('The policy must be a JSON object');
  for (const key of Object.keys(document)) {
    if (!DOCUMENT_KEYS.has(key)) {
      throw invalid(`Policy element ${JSON.stringify(key.slice(0, 100))} is not supported`);
    }
  }
  if (document.Version !== undefined && !VERSIONS.has(document.Version as string)) {
    throw invalid('Version must be "2012-10-17" or "2008-10-17"');
  }
  if (document.Id !== undefined && typeof document.Id !== 'string') {
    throw invalid('Id must be a string');
  }
  const raw = document.Statement;
  const list = Array.isArray(raw) ? (raw as unknown[]) : raw === undefined ? [] : [raw];
  if (list.length === 0) throw invalid('The policy must have at least one Statement');
  return { statements: list.map((s) => parseStatement(s, repositoryArn)) };
}

/**
 * Whether `text` is matched whole by `pattern`, where `*` stands for any run of characters
 * (none included), `?` for any one character, and every other character for itself. The
 * pattern's pieces between `*`s are found in order, each at its leftmost place (which leaves
 * the most room to those after it): no regular expression is built from the input, and the
 * work is bounded by the pattern's length times the text's.
 */
export function wildcardMatches(pattern: string, text: string): boolean {
  const pieces = pattern.split('*');
  const pieceAt = (piece: string, at: number): boolean => {
    if (at < 0 || at + piece.length > text.length) return false;
    for (let i = 0; i < piece.length; i++) {
      if (piece[i] !== '?' && piece[i] !== text[at + i]) return false;
    }
    return true;
  };
  if (pieces.length === 1) return pattern.length === text.length && pieceAt(pattern, 0);
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  const end = text.length - last.length;
  if (end < first.length || !pieceAt(first, 0) || !pieceAt(last, end)) return false;
  let from = first.length;
  for (const piece of pieces.slice(1, -1)) {
    if (piece === '') continue;
    let at = from;
    while (at + piece.length <= end && !pieceAt(piece, at)) at++;
    if (at + piece.length > end) return false;
    from = at + piece.length;
  }
  return true;
}

function principalMatches(principals: PolicyStatement['principals'], caller: PolicyCaller) {
  if (principals === '*') return true;
  const root = accountRootArn(caller.account);
  return principals.some(
    (p) =>
      p.kind === 'aws' &&
      (p.pattern === caller.account ||
        wildcardMatches(p.pattern, root) ||
        wildcardMatches(p.pattern, caller.principalArn)),
  );
}

function actionMatches(actions: PolicyStatement['actions'], action: string): boolean {
  const lower = action.toLowerCase();
  const listed = actions.patterns.some((p) => wildcardMatches(p, lower));
  return actions.negated ? !listed : listed;
}

function conditionHolds(condition: PolicyCondition, caller: PolicyCaller): boolean {
  const value = condition.key === 'aws:PrincipalAccount' ? caller.account : caller.principalArn;
  switch (condition.operator) {
    case 'StringEquals':
      return condition.values.includes(value);
    case 'StringNotEquals':
      return !condition.values.includes(value);
    case 'StringLike':
      return condition.values.some((v) => wildcardMatches(v, value));
    case 'StringNotLike':
      return !condition.values.some((v) => wildcardMatches(v, value));
  }
}

/**
 * What the policy says of `caller` performing `action` (`ecr:<Operation>`): `deny` when a
 * statement denies it (Deny wins), `allow` when one allows it and none denies it, `none` when
 * no statement applies. Each statement applies when its principal, its action and every one of
 * its conditions match.
 */
export function evaluateRepositoryPolicy(
  policy: RepositoryPolicy,
  caller: PolicyCaller,
  action: string,
): PolicyDecision {
  let decision: PolicyDecision = 'none';
  for (const statement of policy.statements) {
    if (
      principalMatches(statement.principals, caller) &&
      actionMatches(statement.actions, action) &&
      statement.conditions.every((c) => conditionHolds(c, caller))
    ) {
      if (statement.effect === 'Deny') return 'deny';
      decision = 'allow';
    }
  }
  return decision;
}

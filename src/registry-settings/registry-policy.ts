import { InvalidParameterException } from '../common/errors/registry-exception';

/** The model's limit on a registry policy's text. */
export const MAX_REGISTRY_POLICY_BYTES = 10240;

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const STATEMENT_MEMBERS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
/** An `ecr:` action, with IAM's `*` and `?` wildcards. */
const ECR_ACTION = /^ecr:[A-Za-z*?]+$/;
const ACCOUNT_PRINCIPAL =
  /^(?:[0-9]{12}|arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:(?:root|(?:user|role)\/[\w+=,.@/-]+))$/;

const invalid = (): InvalidParameterException =>
  InvalidParameterException.constraint('PolicyText', 'Invalid registry policy provided');

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const strings = (v: unknown): string[] | undefined => {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string')) {
    return v;
  }
  return undefined;
};

function checkPrincipal(principal: unknown): boolean {
  if (principal === '*') return true;
  if (!isObject(principal)) return false;
  const keys = Object.keys(principal);
  if (keys.length !== 1 || keys[0] !== 'AWS') return false;
  const arns = strings(principal.AWS);
  return arns !== undefined && arns.every((a) => a === '*' || ACCOUNT_PRINCIPAL.test(a));
}

function checkCondition(condition: unknown): boolean {
  if (!isObject(condition)) return false;
  return Object.values(condition).every(
    (block) =>
      isObject(block) &&
      Object.values(block).every((v) => strings(v) !== undefined || typeof v === 'boolean'),
  );
}

function checkStatement(s: unknown): boolean {
  if (!isObject(s)) return false;
  if (Object.keys(s).some((k) => !STATEMENT_MEMBERS.has(k))) return false;
  if (s.Sid !== undefined && typeof s.Sid !== 'string') return false;
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return false;
  if (!checkPrincipal(s.Principal)) return false;
  // Exactly one of Action and NotAction, each of ECR's actions.
  if ((s.Action === undefined) === (s.NotAction === undefined)) return false;
  const actions = strings(s.Action ?? s.NotAction);
  if (!actions?.every((a) => a === '*' || ECR_ACTION.test(a))) return false;
  if ((s.Resource === undefined) === (s.NotResource === undefined)) return false;
  if (!strings(s.Resource ?? s.NotResource)) return false;
  return s.Condition === undefined || checkCondition(s.Condition);
}

/**
 * Checks a registry policy as IAM JSON: a `Version`, one statement or a list of them, each with
 * an `Effect`, an account (or `*`) `Principal`, `ecr:` actions and a `Resource`. The text is kept
 * as given. Anything else is InvalidParameterException with ECR's wording.
 */
export function checkRegistryPolicy(text: string): void {
  if (Buffer.byteLength(text, 'utf8') > MAX_REGISTRY_POLICY_BYTES) throw invalid();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid();
  }
  if (!isObject(doc)) throw invalid();
  if (Object.keys(doc).some((k) => k !== 'Version' && k !== 'Statement' && k !== 'Id')) {
    throw invalid();
  }
  if (typeof doc.Version !== 'string' || !VERSIONS.has(doc.Version)) throw invalid();
  if (doc.Id !== undefined && typeof doc.Id !== 'string') throw invalid();
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (statements.length === 0 || !statements.every(checkStatement)) throw invalid();
}

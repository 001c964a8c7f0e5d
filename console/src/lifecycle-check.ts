/**
 * A lifecycle policy's shape checked as it is typed, with the server's wording
 * (src/lifecycle/lifecycle-policy.ts) for the common mistakes. The server's answer to a preview
 * or to applying stays the authority: this only spares a round trip.
 */
export type PolicyCheck = { ok: true; rules: number } | { ok: false; problem: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isPositiveInteger = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;

function unknownKey(obj: Record<string, unknown>, allowed: string[]): string | undefined {
  return Object.keys(obj).find((k) => !allowed.includes(k));
}

function checkRule(rule: unknown, i: number): string | undefined {
  const at = `rules[${i}]`;
  if (!isObject(rule)) return `${at} must be an object`;
  const extra = unknownKey(rule, ['rulePriority', 'description', 'selection', 'action']);
  if (extra) return `${at} has an unknown member "${extra}"`;
  if (!isPositiveInteger(rule.rulePriority)) return `${at}.rulePriority must be a positive integer`;
  if (rule.description !== undefined && typeof rule.description !== 'string') {
    return `${at}.description must be a string`;
  }
  if (!isObject(rule.action) || rule.action.type !== 'expire') {
    return `${at}.action must be { "type": "expire" }`;
  }
  const sel = rule.selection;
  if (!isObject(sel)) return `${at}.selection must be an object`;
  const sw = `${at}.selection`;
  const extraSel = unknownKey(sel, [
    'tagStatus',
    'tagPrefixList',
    'tagPatternList',
    'countType',
    'countUnit',
    'countNumber',
  ]);
  if (extraSel) return `${sw} has an unknown member "${extraSel}"`;
  if (!['tagged', 'untagged', 'any'].includes(sel.tagStatus as string)) {
    return `${sw}.tagStatus must be one of tagged, untagged, any`;
  }
  const lists = ['tagPrefixList', 'tagPatternList'].filter((k) => sel[k] !== undefined);
  for (const k of lists) {
    const list = sel[k];
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((t) => typeof t === 'string' && t)
    ) {
      return `${sw}.${k} must be a non-empty list of non-empty strings`;
    }
  }
  if (sel.tagStatus !== 'tagged' && lists.length > 0) {
    return `${sw}: tagPrefixList and tagPatternList can only be used with tagStatus tagged`;
  }
  if (sel.tagStatus === 'tagged' && lists.length === 0) {
    return `${sw}: tagStatus tagged requires tagPrefixList or tagPatternList`;
  }
  if (lists.length === 2) {
    return `${sw}: tagPrefixList and tagPatternList cannot both be specified`;
  }
  if (sel.countType === 'sinceImagePushed') {
    if (sel.countUnit !== 'days')
      return `${sw}: countUnit "days" is required with sinceImagePushed`;
  } else if (sel.countType === 'imageCountMoreThan') {
    if (sel.countUnit !== undefined) {
      return `${sw}: countUnit can only be used with countType sinceImagePushed`;
    }
  } else {
    return `${sw}.countType must be imageCountMoreThan or sinceImagePushed`;
  }
  if (!isPositiveInteger(sel.countNumber)) return `${sw}.countNumber must be a positive integer`;
  return undefined;
}

export function checkLifecyclePolicy(text: string): PolicyCheck {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `Not valid JSON: ${err instanceof Error ? err.message : ''}` };
  }
  if (!isObject(doc)) return { ok: false, problem: 'The policy must be a JSON object' };
  const extra = unknownKey(doc, ['rules']);
  if (extra) return { ok: false, problem: `The policy has an unknown member "${extra}"` };
  if (!Array.isArray(doc.rules) || doc.rules.length === 0) {
    return { ok: false, problem: 'rules must be a non-empty list' };
  }
  const rules: unknown[] = doc.rules;
  for (let i = 0; i < rules.length; i++) {
    const problem = checkRule(rules[i], i);
    if (problem) return { ok: false, problem };
  }
  const parsed = rules as { rulePriority: number; selection: { tagStatus: string } }[];
  const priorities = parsed.map((r) => r.rulePriority);
  const twice = priorities.find((p, i) => priorities.indexOf(p) !== i);
  if (twice !== undefined) {
    return { ok: false, problem: `rulePriority ${twice} is used by more than one rule` };
  }
  const any = parsed.filter((r) => r.selection.tagStatus === 'any');
  if (any.length > 1) return { ok: false, problem: 'only one rule can have tagStatus any' };
  if (any.length === 1 && any[0].rulePriority !== Math.max(...priorities)) {
    return { ok: false, problem: 'the rule with tagStatus any must have the highest rulePriority' };
  }
  if (parsed.filter((r) => r.selection.tagStatus === 'untagged').length > 1) {
    return { ok: false, problem: 'only one rule can have tagStatus untagged' };
  }
  return { ok: true, rules: rules.length };
}

import { setImmediate as nextTurn } from 'node:timers/promises';
import { InvalidParameterException } from '../common/errors/registry-exception';

/**
 * ECR's lifecycle policy language: parsing, validation and evaluation, with no I/O, so that an
 * evaluation and a preview over the same snapshot give the same answer by construction.
 * docs/lifecycle-policies.md lists the rules, the messages and what is refused.
 */

export type TagStatus = 'tagged' | 'untagged' | 'any';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed';

export interface LifecycleRuleSelection {
  readonly tagStatus: TagStatus;
  readonly tagPrefixList?: readonly string[];
  readonly tagPatternList?: readonly string[];
  readonly countType: CountType;
  readonly countUnit?: 'days';
  readonly countNumber: number;
}

export interface LifecycleRule {
  readonly rulePriority: number;
  readonly description?: string;
  readonly selection: LifecycleRuleSelection;
  readonly action: { readonly type: 'expire' };
}

export interface LifecyclePolicy {
  /** Sorted by rulePriority, lowest (applied first) to highest. */
  readonly rules: readonly LifecycleRule[];
}

/** ECR allows at most four `*` wildcards in one tagPatternList entry. */
export const MAX_WILDCARDS_PER_PATTERN = 4;

const TAG_STATUSES: readonly string[] = ['tagged', 'untagged', 'any'];
const COUNT_TYPES: readonly string[] = ['imageCountMoreThan', 'sinceImagePushed'];
/** Members of the newer archive feature: modelled by ECR, refused here (no archive storage). */
const UNSUPPORTED_COUNT_TYPES: readonly string[] = ['sinceImagePulled', 'sinceImageTransitioned'];
const RULE_KEYS = ['rulePriority', 'description', 'selection', 'action'];
const SELECTION_KEYS = [
  'tagStatus',
  'tagPrefixList',
  'tagPatternList',
  'countType',
  'countUnit',
  'countNumber',
];

function failure(detail: string): InvalidParameterException {
  return InvalidParameterException.constraint(
    'LifecyclePolicyText',
    `Lifecycle policy validation failure: ${detail}`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function requireKeys(obj: Record<string, unknown>, keys: readonly string[], where: string): void {
  const missing = keys.filter((k) => !(k in obj));
  if (missing.length > 0) {
    throw failure(
      `${where}: object has missing required properties (${JSON.stringify(missing.sort())})`,
    );
  }
}

function refuseUnknownKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
): void {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (extra.length > 0) {
    throw failure(
      `${where}: object instance has properties which are not allowed by the schema: ${JSON.stringify(extra.sort())}`,
    );
  }
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw failure(`${where} must be a non-empty list of strings`);
  }
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0) {
      throw failure(`${where} must be a non-empty list of non-empty strings`);
    }
  }
  const list = value as string[];
  if (new Set(list).size !== list.length) {
    throw failure(`${where} must not contain duplicates`);
  }
  return list;
}

function parseRule(raw: unknown, index: number): LifecycleRule {
  const where = `rules[${index}]`;
  if (!isObject(raw)) throw failure(`${where}: instance type (${typeName(raw)}) is not an object`);
  if (isObject(raw.action) && 'targetStorageClass' in raw.action) {
    throw failure(`${where}.action.targetStorageClass is not supported: images are never archived`);
  }
  if (isObject(raw.action) && typeof raw.action.type === 'string') {
    if (raw.action.type.toLowerCase() === 'transition') {
      throw failure(
        `${where}.action.type 'transition' is not supported: images are never archived`,
      );
    }
  }
  if (isObject(raw.selection) && 'storageClass' in raw.selection) {
    throw failure(`${where}.selection.storageClass is not supported: images are never archived`);
  }
  requireKeys(raw, ['action', 'rulePriority', 'selection'], where);
  refuseUnknownKeys(raw, RULE_KEYS, where);

  const priority = raw.rulePriority;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1) {
    throw failure(`${where}.rulePriority must be a positive integer`);
  }
  if (raw.description !== undefined && typeof raw.description !== 'string') {
    throw failure(`${where}.description must be a string`);
  }
  if (!isObject(raw.action)) throw failure(`${where}.action must be an object`);
  requireKeys(raw.action, ['type'], `${where}.action`);
  refuseUnknownKeys(raw.action, ['type'], `${where}.action`);
  if (raw.action.type !== 'expire') {
    throw failure(
      `${where}.action.type: instance value (${JSON.stringify(raw.action.type)}) not found in enum (possible values: ["expire"])`,
    );
  }

  const sel = raw.selection;
  if (!isObject(sel)) throw failure(`${where}.selection must be an object`);
  const sw = `${where}.selection`;
  requireKeys(sel, ['countNumber', 'countType', 'tagStatus'], sw);
  refuseUnknownKeys(sel, SELECTION_KEYS, sw);

  if (typeof sel.tagStatus !== 'string' || !TAG_STATUSES.includes(sel.tagStatus)) {
    throw failure(
      `${sw}.tagStatus: instance value (${JSON.stringify(sel.tagStatus)}) not found in enum (possible values: ["tagged","untagged","any"])`,
    );
  }
  const tagStatus = sel.tagStatus as TagStatus;
  if (typeof sel.countType === 'string' && UNSUPPORTED_COUNT_TYPES.includes(sel.countType)) {
    throw failure(
      `${sw}.countType '${sel.countType}' is not supported: only imageCountMoreThan and sinceImagePushed`,
    );
  }
  if (typeof sel.countType !== 'string' || !COUNT_TYPES.includes(sel.countType)) {
    throw failure(
      `${sw}.countType: instance value (${JSON.stringify(sel.countType)}) not found in enum (possible values: ["imageCountMoreThan","sinceImagePushed"])`,
    );
  }
  const countType = sel.countType as CountType;

  const hasPrefixes = sel.tagPrefixList !== undefined;
  const hasPatterns = sel.tagPatternList !== undefined;
  if (tagStatus !== 'tagged' && (hasPrefixes || hasPatterns)) {
    throw failure(`${sw}: tagPrefixList and tagPatternList can only be used with tagStatus tagged`);
  }
  if (tagStatus === 'tagged' && !hasPrefixes && !hasPatterns) {
    throw failure(`${sw}: tagStatus tagged requires tagPrefixList or tagPatternList`);
  }
  if (hasPrefixes && hasPatterns) {
    throw failure(`${sw}: tagPrefixList and tagPatternList cannot both be specified`);
  }
  const tagPrefixList = hasPrefixes
    ? stringList(sel.tagPrefixList, `${sw}.tagPrefixList`)
    : undefined;
  const tagPatternList = hasPatterns
    ? stringList(sel.tagPatternList, `${sw}.tagPatternList`)
    : undefined;
  for (const pattern of tagPatternList ?? []) {
    if (pattern.split('*').length - 1 > MAX_WILDCARDS_PER_PATTERN) {
      throw failure(
        `${sw}.tagPatternList: pattern '${pattern}' has more than ${MAX_WILDCARDS_PER_PATTERN} wildcards`,
      );
    }
  }

  if (countType === 'sinceImagePushed') {
    if (sel.countUnit === undefined) {
      throw failure(`${sw}: countUnit is required with countType sinceImagePushed`);
    }
    if (sel.countUnit !== 'days') {
      throw failure(
        `${sw}.countUnit: instance value (${JSON.stringify(sel.countUnit)}) not found in enum (possible values: ["days"])`,
      );
    }
  } else if (sel.countUnit !== undefined) {
    throw failure(`${sw}: countUnit can only be used with countType sinceImagePushed`);
  }

  const countNumber = sel.countNumber;
  if (typeof countNumber !== 'number' || !Number.isInteger(countNumber)) {
    throw failure(`${sw}.countNumber must be an integer`);
  }
  if (countNumber < 1) {
    throw failure(
      `${sw}.countNumber: numeric instance is lower than the required minimum (minimum: 1, found: ${countNumber})`,
    );
  }

  return {
    rulePriority: priority,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    selection: {
      tagStatus,
      ...(tagPrefixList ? { tagPrefixList } : {}),
      ...(tagPatternList ? { tagPatternList } : {}),
      countType,
      ...(countType === 'sinceImagePushed' ? { countUnit: 'days' as const } : {}),
      countNumber,
    },
    action: { type: 'expire' },
  };
}

/**
 * Parses and validates a policy text. Every failure is an InvalidParameterException in ECR's
 * wording: `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint:
 * 'Lifecycle policy validation failure: …'`.
 */
export function parseLifecyclePolicy(text: string): LifecyclePolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw failure('the policy text is not valid JSON');
  }
  if (!isObject(doc)) throw failure(`instance type (${typeName(doc)}) is not an object`);
  requireKeys(doc, ['rules'], 'policy');
  refuseUnknownKeys(doc, ['rules'], 'policy');
  if (!Array.isArray(doc.rules) || doc.rules.length === 0) {
    throw failure('rules must be a non-empty list');
  }
  const rules = doc.rules.map((raw, i) => parseRule(raw, i));

  const seen = new Set<number>();
  for (const rule of rules) {
    if (seen.has(rule.rulePriority)) {
      throw failure(`rulePriority ${rule.rulePriority} is used by more than one rule`);
    }
    seen.add(rule.rulePriority);
  }
  const sorted = [...rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const anyRules = sorted.filter((r) => r.selection.tagStatus === 'any');
  if (anyRules.length > 1) {
    throw failure('only one rule can have tagStatus any');
  }
  if (anyRules.length === 1 && sorted[sorted.length - 1] !== anyRules[0]) {
    throw failure('the rule with tagStatus any must have the highest rulePriority');
  }
  if (sorted.filter((r) => r.selection.tagStatus === 'untagged').length > 1) {
    throw failure('only one rule can have tagStatus untagged');
  }
  return { rules: sorted };
}

/** An image as the evaluation sees it. */
export interface LifecycleImage {
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly imagePushedAt: Date;
}

export interface ExpiredImage extends LifecycleImage {
  readonly appliedRulePriority: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether `text` is matched whole by `pattern`, where each `*` stands for any run of characters
 * (none included) and every other character for itself. Linear in the text for each piece of
 * the pattern, whatever the pattern: the pieces between wildcards are found in order, the first
 * at the start, the last at the end, and each one between at its leftmost place after the one
 * before (leftmost leaves the most room to those after, so it finds a match when one exists).
 * A regular expression of `.*`s backtracks instead, polynomially in the text's length.
 */
export function wildcardMatcher(pattern: string): (text: string) => boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return (text) => text === pattern;
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  const middle = pieces.slice(1, -1).filter((piece) => piece !== '');
  return (text) => {
    const end = text.length - last.length;
    if (end < first.length || !text.startsWith(first) || !text.endsWith(last)) return false;
    let from = first.length;
    for (const piece of middle) {
      const at = text.indexOf(piece, from);
      if (at < 0 || at + piece.length > end) return false;
      from = at + piece.length;
    }
    return true;
  };
}

/**
 * How many images a plan looks at between two turns it gives the event loop: planning over a
 * large repository must not hold up every other request the instance serves meanwhile.
 */
export const PLAN_YIELD_EVERY = 500;

/** Counts steps of work; `step()` is true once every `every` steps, when it is time to yield. */
function pacer(every = PLAN_YIELD_EVERY): () => boolean {
  let steps = 0;
  return () => ++steps % every === 0;
}

function selector(selection: LifecycleRuleSelection): (image: LifecycleImage) => boolean {
  switch (selection.tagStatus) {
    case 'untagged':
      return (image) => image.imageTags.length === 0;
    case 'any':
      return () => true;
    case 'tagged': {
      // Several prefixes or patterns select only images that carry every one of them.
      const prefixes = selection.tagPrefixList;
      if (prefixes) {
        return (image) => prefixes.every((p) => image.imageTags.some((t) => t.startsWith(p)));
      }
      const patterns = (selection.tagPatternList ?? []).map(wildcardMatcher);
      return (image) => patterns.every((matches) => image.imageTags.some(matches));
    }
  }
}

/** Newest first; the digest breaks ties so that the order never depends on input order. */
function newestFirst(a: LifecycleImage, b: LifecycleImage): number {
  const d = b.imagePushedAt.getTime() - a.imagePushedAt.getTime();
  if (d !== 0) return d;
  return a.imageDigest < b.imageDigest ? -1 : a.imageDigest > b.imageDigest ? 1 : 0;
}

/**
 * What the policy expires from `images` at `now`, following ECR's evaluation rules: rules apply
 * from the lowest rulePriority up; each rule selects the images matching its tag selection and
 * counts over all of them; an image that matched the tag selection of a higher-priority rule
 * (whether that rule expired it or kept it) is never expired by a lower-priority one, so each
 * image is expired at most once. Oldest images go first. Every `PLAN_YIELD_EVERY` images looked
 * at, the event loop gets a turn (`step` counts them, shared by a plan's stages).
 */
export async function evaluateLifecyclePolicy(
  policy: LifecyclePolicy,
  images: readonly LifecycleImage[],
  now: Date,
  step = pacer(),
): Promise<ExpiredImage[]> {
  const claimed = new Set<string>();
  const expired: ExpiredImage[] = [];
  for (const rule of policy.rules) {
    const { selection } = rule;
    const matches = selector(selection);
    const selected: LifecycleImage[] = [];
    for (const image of images) {
      if (matches(image)) selected.push(image);
      if (step()) await nextTurn();
    }
    selected.sort(newestFirst);
    const candidates =
      selection.countType === 'imageCountMoreThan'
        ? selected.slice(selection.countNumber)
        : selected.filter(
            (image) =>
              now.getTime() - image.imagePushedAt.getTime() > selection.countNumber * DAY_MS,
          );
    for (const image of candidates) {
      if (!claimed.has(image.imageDigest)) {
        expired.push({ ...image, appliedRulePriority: rule.rulePriority });
      }
    }
    for (const image of selected) claimed.add(image.imageDigest);
  }
  return expired;
}

/** An image of a repository as an expiry plan sees it: with what it references, if an index. */
export interface RepositoryImage extends LifecycleImage {
  /** The digests of the manifests this image (an index) references; empty for any other. */
  readonly children: readonly string[];
}

export interface ExpiryPlan {
  /** What an evaluation at `now` expires, each with the rule that expires it. */
  readonly expire: ExpiredImage[];
  /** What the policy selects but an index that stays in the repository references. */
  readonly keptByIndex: ExpiredImage[];
}

/**
 * What an evaluation of the repository's `images` at `now` expires: the policy's selection,
 * less the images an index that is not expired with them references (BatchDeleteImage keeps
 * those, and so does the expiry, which goes the same way). The preview and the evaluation both
 * answer this, so a preview lists exactly what an evaluation at the same moment removes.
 */
export async function planLifecycleExpiry(
  policy: LifecyclePolicy,
  images: readonly RepositoryImage[],
  now: Date,
): Promise<ExpiryPlan> {
  const step = pacer();
  const selected = await evaluateLifecyclePolicy(policy, images, now, step);
  const expiring = new Set(selected.map((image) => image.imageDigest));
  // An index kept keeps its children; a child kept that is itself an index keeps its own.
  for (let changed = true; changed;) {
    changed = false;
    for (const image of images) {
      if (step()) await nextTurn();
      if (expiring.has(image.imageDigest)) continue;
      for (const child of image.children) {
        if (expiring.delete(child)) changed = true;
      }
    }
  }
  return {
    expire: selected.filter((image) => expiring.has(image.imageDigest)),
    keptByIndex: selected.filter((image) => !expiring.has(image.imageDigest)),
  };
}

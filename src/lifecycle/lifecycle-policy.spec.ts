import fc from 'fast-check';
import { InvalidParameterException } from '../common/errors/registry-exception';
import {
  evaluateLifecyclePolicy,
  parseLifecyclePolicy,
  PLAN_YIELD_EVERY,
  planLifecycleExpiry,
  wildcardMatcher,
  type LifecycleImage,
  type RepositoryImage,
} from './lifecycle-policy';

const PREFIX =
  "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ";

function rule(priority: number, selection: Record<string, unknown>, extra = {}): object {
  return { rulePriority: priority, selection, action: { type: 'expire' }, ...extra };
}
const text = (...rules: object[]): string => JSON.stringify({ rules });

// The policies of ECR's "Examples of lifecycle policies" page.
const ECR_EXAMPLES: Array<[string, string]> = [
  [
    'filtering on image age',
    text(
      rule(
        1,
        {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 14,
        },
        { description: 'Expire images older than 14 days' },
      ),
    ),
  ],
  [
    'filtering on image count',
    text(
      rule(
        1,
        { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
        { description: 'Expire images older than 14 days' },
      ),
    ),
  ],
  [
    'multiple rules',
    text(
      rule(1, {
        tagStatus: 'tagged',
        tagPatternList: ['prod*'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      }),
      rule(2, {
        tagStatus: 'tagged',
        tagPatternList: ['beta*'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      }),
    ),
  ],
  [
    'multiple tags in a single rule',
    text(
      rule(1, {
        tagStatus: 'tagged',
        tagPatternList: ['alpha*', 'beta*'],
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: 5,
      }),
    ),
  ],
  [
    'filtering on all images',
    text(
      rule(1, {
        tagStatus: 'untagged',
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: 1,
      }),
      rule(2, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
    ),
  ],
  [
    'tag prefixes',
    text(
      rule(1, {
        tagStatus: 'tagged',
        tagPrefixList: ['prod'],
        countType: 'imageCountMoreThan',
        countNumber: 9999,
      }),
    ),
  ],
  [
    'four wildcards in one pattern',
    text(
      rule(1, {
        tagStatus: 'tagged',
        tagPatternList: ['test*1*2*3*'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      }),
    ),
  ],
];

describe('parseLifecyclePolicy accepts the policies of ECR’s documentation', () => {
  it.each(ECR_EXAMPLES)('%s', (_name, policyText) => {
    const policy = parseLifecyclePolicy(policyText);
    expect(policy.rules.length).toBeGreaterThan(0);
  });

  it('sorts rules by rulePriority and keeps the documented members', () => {
    const policy = parseLifecyclePolicy(
      text(
        rule(20, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 }),
        rule(
          5,
          {
            tagStatus: 'untagged',
            countType: 'sinceImagePushed',
            countUnit: 'days',
            countNumber: 2,
          },
          { description: 'd' },
        ),
      ),
    );
    expect(policy.rules).toEqual([
      {
        rulePriority: 5,
        description: 'd',
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 2,
        },
        action: { type: 'expire' },
      },
      {
        rulePriority: 20,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 },
        action: { type: 'expire' },
      },
    ]);
  });
});

const untaggedCount = { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 };
const INVALID: Array<[string, string, string]> = [
  ['not JSON', '{"rules": [', 'the policy text is not valid JSON'],
  ['no rules', '{}', 'policy: object has missing required properties (["rules"])'],
  ['empty rules', '{"rules": []}', 'rules must be a non-empty list'],
  [
    'unknown top-level member',
    JSON.stringify({ rules: [rule(1, untaggedCount)], x: 1 }),
    'policy: object instance has properties which are not allowed by the schema: ["x"]',
  ],
  [
    'duplicate priorities',
    text(
      rule(1, untaggedCount),
      rule(1, {
        tagStatus: 'tagged',
        tagPrefixList: ['a'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      }),
    ),
    'rulePriority 1 is used by more than one rule',
  ],
  [
    'priority zero',
    text(rule(0, untaggedCount)),
    'rules[0].rulePriority must be a positive integer',
  ],
  [
    'fractional priority',
    text(rule(1.5, untaggedCount)),
    'rules[0].rulePriority must be a positive integer',
  ],
  [
    'any not last',
    text(
      rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
      rule(2, untaggedCount),
    ),
    'the rule with tagStatus any must have the highest rulePriority',
  ],
  [
    'prefix list with untagged',
    text(rule(1, { ...untaggedCount, tagPrefixList: ['a'] })),
    'rules[0].selection: tagPrefixList and tagPatternList can only be used with tagStatus tagged',
  ],
  [
    'pattern list with any',
    text(
      rule(1, {
        tagStatus: 'any',
        tagPatternList: ['a*'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      }),
    ),
    'rules[0].selection: tagPrefixList and tagPatternList can only be used with tagStatus tagged',
  ],
  [
    'tagged without a list',
    text(rule(1, { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 })),
    'rules[0].selection: tagStatus tagged requires tagPrefixList or tagPatternList',
  ],
  [
    'tagged with both lists',
    text(
      rule(1, {
        tagStatus: 'tagged',
        tagPrefixList: ['a'],
        tagPatternList: ['a*'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      }),
    ),
    'rules[0].selection: tagPrefixList and tagPatternList cannot both be specified',
  ],
  [
    'five wildcards (ECR’s example of an invalid pattern)',
    text(
      rule(1, {
        tagStatus: 'tagged',
        tagPatternList: ['test*1*2*3*4*5*6'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      }),
    ),
    "rules[0].selection.tagPatternList: pattern 'test*1*2*3*4*5*6' has more than 4 wildcards",
  ],
  [
    'countUnit with imageCountMoreThan',
    text(rule(1, { ...untaggedCount, countUnit: 'days' })),
    'rules[0].selection: countUnit can only be used with countType sinceImagePushed',
  ],
  [
    'sinceImagePushed without countUnit',
    text(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 3 })),
    'rules[0].selection: countUnit is required with countType sinceImagePushed',
  ],
  [
    'countUnit other than days',
    text(
      rule(1, {
        tagStatus: 'untagged',
        countType: 'sinceImagePushed',
        countUnit: 'hours',
        countNumber: 3,
      }),
    ),
    'rules[0].selection.countUnit: instance value ("hours") not found in enum (possible values: ["days"])',
  ],
  [
    'countNumber zero',
    text(rule(1, { ...untaggedCount, countNumber: 0 })),
    'rules[0].selection.countNumber: numeric instance is lower than the required minimum (minimum: 1, found: 0)',
  ],
  [
    'missing countNumber',
    text(rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan' })),
    'rules[0].selection: object has missing required properties (["countNumber"])',
  ],
  [
    'unknown tagStatus',
    text(rule(1, { ...untaggedCount, tagStatus: 'TAGGED' })),
    'rules[0].selection.tagStatus: instance value ("TAGGED") not found in enum (possible values: ["tagged","untagged","any"])',
  ],
  [
    'action other than expire',
    JSON.stringify({
      rules: [{ rulePriority: 1, selection: untaggedCount, action: { type: 'delete' } }],
    }),
    'rules[0].action.type: instance value ("delete") not found in enum (possible values: ["expire"])',
  ],
  [
    'null member (rejected by ECR as well)',
    text(rule(1, { ...untaggedCount, countUnit: null })),
    'rules[0].selection: countUnit can only be used with countType sinceImagePushed',
  ],
  [
    'transition action',
    JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          selection: untaggedCount,
          action: { type: 'transition', targetStorageClass: 'archive' },
        },
      ],
    }),
    'rules[0].action.targetStorageClass is not supported: images are never archived',
  ],
  [
    'transition action without a storage class',
    JSON.stringify({
      rules: [{ rulePriority: 1, selection: untaggedCount, action: { type: 'TRANSITION' } }],
    }),
    "rules[0].action.type 'transition' is not supported: images are never archived",
  ],
  [
    'archive storage class selection',
    text(rule(1, { ...untaggedCount, storageClass: 'archive' })),
    'rules[0].selection.storageClass is not supported: images are never archived',
  ],
  [
    'sinceImagePulled',
    text(
      rule(1, {
        tagStatus: 'untagged',
        countType: 'sinceImagePulled',
        countUnit: 'days',
        countNumber: 90,
      }),
    ),
    "rules[0].selection.countType 'sinceImagePulled' is not supported: only imageCountMoreThan and sinceImagePushed",
  ],
  [
    'sinceImageTransitioned',
    text(
      rule(1, {
        tagStatus: 'untagged',
        countType: 'sinceImageTransitioned',
        countUnit: 'days',
        countNumber: 90,
      }),
    ),
    "rules[0].selection.countType 'sinceImageTransitioned' is not supported: only imageCountMoreThan and sinceImagePushed",
  ],
  [
    'unknown rule member',
    JSON.stringify({ rules: [{ ...rule(1, untaggedCount), priority: 2 }] }),
    'rules[0]: object instance has properties which are not allowed by the schema: ["priority"]',
  ],
];

describe('parseLifecyclePolicy refuses what ECR refuses, under ECR’s message prefix', () => {
  it.each(INVALID)('%s', (_name, policyText, detail) => {
    let caught: unknown;
    try {
      parseLifecyclePolicy(policyText);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidParameterException);
    expect((caught as Error).message).toBe(`${PREFIX}${detail}'`);
  });
});

const NOW = new Date('2026-06-01T00:00:00Z');
const daysAgo = (d: number): Date => new Date(NOW.getTime() - d * 86_400_000);
const img = (digest: string, tags: string[], age: number): LifecycleImage => ({
  imageDigest: digest,
  imageTags: tags,
  imagePushedAt: daysAgo(age),
});
const expiredBy = async (
  policyText: string,
  images: LifecycleImage[],
): Promise<Array<[string, number]>> =>
  (await evaluateLifecyclePolicy(parseLifecyclePolicy(policyText), images, NOW)).map((e) => [
    e.imageDigest,
    e.appliedRulePriority,
  ]);

describe('evaluateLifecyclePolicy follows ECR’s evaluation rules', () => {
  it('multiple rules (ECR example): an image matched by a higher-priority rule is not expired by a lower one', async () => {
    const images = [
      img('A', ['beta-1', 'prod-1'], 10),
      img('B', ['beta-2', 'prod-2'], 9),
      img('C', ['beta-3'], 8),
    ];
    expect(await expiredBy(ECR_EXAMPLES[2][1], images)).toEqual([['A', 1]]);
  });

  it('multiple tags in a single rule (ECR example): only images carrying every pattern are selected', async () => {
    const images = [
      img('A', ['alpha-1'], 12),
      img('B', ['beta-1'], 11),
      img('C', ['alpha-2', 'beta-2'], 10),
      img('D', ['alpha-3'], 4),
      img('E', ['beta-3'], 3),
      img('F', ['alpha-4', 'beta-4'], 2),
    ];
    expect(await expiredBy(ECR_EXAMPLES[3][1], images)).toEqual([['C', 1]]);
  });

  it('sinceImagePushed expires what was pushed more than N days ago', async () => {
    const images = [
      img('old', [], 15),
      img('edge', [], 14),
      img('new', [], 1),
      img('tagged', ['x'], 30),
    ];
    expect(await expiredBy(ECR_EXAMPLES[0][1], images)).toEqual([['old', 1]]);
  });

  it('imageCountMoreThan keeps the N most recently pushed; tagged images are never expired by an untagged rule', async () => {
    const images = [img('u1', [], 3), img('u2', [], 2), img('u3', [], 1), img('t', ['v1'], 9)];
    expect(await expiredBy(ECR_EXAMPLES[1][1], images)).toEqual([
      ['u2', 1],
      ['u1', 1],
    ]);
  });

  it('an any rule counts every image but does not expire one an earlier rule selected', async () => {
    const images = [
      img('u-old', [], 3),
      img('u-new', [], 0.5),
      img('t1', ['a'], 2),
      img('t2', ['b'], 1),
    ];
    // Rule 1 expires u-old and claims both untagged images; rule 2 keeps the newest of all
    // (u-new) and may expire only the tagged ones.
    expect(await expiredBy(ECR_EXAMPLES[4][1], images)).toEqual([
      ['u-old', 1],
      ['t2', 2],
      ['t1', 2],
    ]);
  });

  it('tag prefixes: every prefix must be carried by some tag', async () => {
    const policyText = text(
      rule(1, {
        tagStatus: 'tagged',
        tagPrefixList: ['prod', 'v'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      }),
    );
    const images = [
      img('a', ['prod', 'v1'], 3),
      img('b', ['prod-x', 'v2'], 2),
      img('c', ['prod'], 4),
      img('d', ['v3', 'prod2'], 1),
    ];
    expect(await expiredBy(policyText, images)).toEqual([
      ['b', 1],
      ['a', 1],
    ]);
  });

  it('wildcards match whole tags, with other characters literal', async () => {
    const policyText = text(
      rule(1, {
        tagStatus: 'tagged',
        tagPatternList: ['rel.*-x'],
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: 1,
      }),
    );
    const images = [
      img('a', ['rel.1-x'], 3),
      img('b', ['rel11-x'], 3),
      img('c', ['rel.1-xy'], 3),
      img('d', ['rel.-x'], 3),
    ];
    expect(await expiredBy(policyText, images)).toEqual([
      ['a', 1],
      ['d', 1],
    ]);
  });

  it('equal push times are ordered by digest, whatever the input order', async () => {
    const policyText = text(
      rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }),
    );
    const a = [img('b', [], 1), img('a', [], 1), img('c', [], 1)];
    expect(await expiredBy(policyText, a)).toEqual(await expiredBy(policyText, [...a].reverse()));
    expect(await expiredBy(policyText, a)).toEqual([
      ['b', 1],
      ['c', 1],
    ]);
  });
});

describe('planLifecycleExpiry', () => {
  const untaggedKeep1 = parseLifecyclePolicy(
    text(rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 })),
  );
  const node = (digest: string, age: number, children: string[] = []): RepositoryImage => ({
    ...img(digest, [], age),
    children,
  });
  const digests = (images: readonly { imageDigest: string }[]): string[] =>
    images.map((i) => i.imageDigest);

  it('expires what the evaluation selects when no index references it', async () => {
    const plan = await planLifecycleExpiry(
      untaggedKeep1,
      [node('a', 1), node('b', 2), node('c', 3)],
      NOW,
    );
    expect(digests(plan.expire)).toEqual(['b', 'c']);
    expect(plan.keptByIndex).toEqual([]);
  });

  it('keeps an image an index that stays references, and what a kept index references', async () => {
    // i1 (newest) stays and references x; i2 is selected but referenced by i1, so it stays and
    // keeps y; z is referenced by nothing.
    const images = [
      node('i1', 1, ['x', 'i2']),
      node('i2', 2, ['y']),
      node('x', 3),
      node('y', 4),
      node('z', 5),
    ];
    const plan = await planLifecycleExpiry(untaggedKeep1, images, NOW);
    expect(digests(plan.expire)).toEqual(['z']);
    expect(digests(plan.keptByIndex).sort()).toEqual(['i2', 'x', 'y']);
  });

  it('expires an index together with the children only it references', async () => {
    const images = [node('new', 1), node('idx', 2, ['c1', 'c2']), node('c1', 3), node('c2', 4)];
    const plan = await planLifecycleExpiry(untaggedKeep1, images, NOW);
    expect(digests(plan.expire)).toEqual(['idx', 'c1', 'c2']);
    expect(plan.expire.map((e) => e.appliedRulePriority)).toEqual([1, 1, 1]);
  });

  it('gives the same answer as the evaluation over images without indexes', async () => {
    const images = [node('a', 10), node('b', 20), node('c', 30)];
    expect((await planLifecycleExpiry(untaggedKeep1, images, NOW)).expire).toEqual(
      await evaluateLifecyclePolicy(untaggedKeep1, images, NOW),
    );
  });
});

describe('wildcardMatcher', () => {
  /** The meaning of a pattern, as a backtracking regular expression: the reference, not fast. */
  const reference = (pattern: string, tag: string): boolean =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^]*')}$`,
    ).test(tag);

  it('agrees with the regular expression on random patterns and tags', () => {
    // A small alphabet, so that pieces recur and overlap, as they do in the hard cases.
    const text = (maxLength: number): fc.Arbitrary<string> =>
      fc
        .array(fc.constantFrom('a', 'b', '.', '-', '*'), { maxLength })
        .map((chars) => chars.join(''));
    fc.assert(
      fc.property(
        text(12),
        text(30).map((t) => t.replace(/\*/g, 'a')),
        (pattern, tag) => wildcardMatcher(pattern)(tag) === reference(pattern, tag),
      ),
      { numRuns: 20_000 },
    );
    // And on tags made from the pattern, which mostly match.
    fc.assert(
      fc.property(
        text(12),
        fc.array(
          text(4).map((t) => t.replace(/\*/g, 'b')),
          { minLength: 5, maxLength: 5 },
        ),
        (pattern, fillers) => {
          let i = 0;
          const tag = pattern.replace(/\*/g, () => fillers[i++ % fillers.length]);
          return (
            wildcardMatcher(pattern)(tag) === reference(pattern, tag) && reference(pattern, tag)
          );
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ['prod', 'prod', true],
    ['prod', 'prod1', false],
    ['prod*', 'prod', true],
    ['*prod', 'my-prod', true],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['*', '', true],
    ['**', 'x', true],
    ['a*b*a', 'aba', true],
    ['a*b*a', 'abba-a', true],
    ['a*b*c', 'acb', false],
  ])('%s against %s is %s', (pattern, tag, matches) => {
    expect(wildcardMatcher(pattern)(tag)).toBe(matches);
  });

  it.each([
    ['a*a*a*a*a', 'b'],
    ['a*a*a*c*a', 'a'],
  ])(
    'matches the pathological %s against 300-character tags ending in %s in microseconds each',
    (pattern, end) => {
      const matches = wildcardMatcher(pattern);
      const tags = Array.from({ length: 10 }, (_, i) => `${'a'.repeat(290 + i - 1)}${end}`);
      let matched = 0;
      const started = process.hrtime.bigint();
      for (let round = 0; round < 100; round++) {
        for (const tag of tags) if (matches(tag)) matched++;
      }
      // 1000 matches; the backtracking expression took about a second for one.
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(matched).toBe(0);
      expect(ms).toBeLessThan(100);
    },
  );
});

describe('planning yields to the event loop', () => {
  const many = (n: number): RepositoryImage[] =>
    Array.from({ length: n }, (_, i) => ({
      imageDigest: `sha256:${String(i).padStart(64, '0')}`,
      imageTags: [`v${i}`],
      imagePushedAt: daysAgo(i % 30),
      children: [],
    }));
  const policy = parseLifecyclePolicy(
    text(
      rule(1, {
        tagStatus: 'tagged',
        tagPatternList: ['v*1*'],
        countType: 'imageCountMoreThan',
        countNumber: 10,
      }),
    ),
  );

  it(`lets other work run while it plans over more than ${PLAN_YIELD_EVERY} images`, async () => {
    const order: string[] = [];
    setImmediate(() => order.push('other work'));
    const plan = await planLifecycleExpiry(policy, many(5 * PLAN_YIELD_EVERY), NOW);
    order.push('plan');
    expect(order).toEqual(['other work', 'plan']);
    expect(plan.expire.length).toBeGreaterThan(0);
  });

  it('gives the same plan as without yielding: the images in the same order', async () => {
    const images = many(3 * PLAN_YIELD_EVERY + 7);
    const once = await planLifecycleExpiry(policy, images, NOW);
    const reversed = await planLifecycleExpiry(policy, [...images].reverse(), NOW);
    expect(reversed).toEqual(once);
  });
});

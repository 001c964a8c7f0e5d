import { checkLifecyclePolicy } from '../../console/src/lifecycle-check';
import { parseLifecyclePolicy } from './lifecycle-policy';

/**
 * The console checks a lifecycle policy as it is typed (console/src/lifecycle-check.ts); the
 * server's parser stays the authority. What the console accepts, the server must accept too,
 * unless it is one of the few rules only the server checks (and the console then shows the
 * server's refusal); what the console refuses, the server refuses.
 */
const rule = (selection: object, extra: object = {}): object => ({
  rulePriority: 1,
  selection,
  action: { type: 'expire' },
  ...extra,
});
const text = (...rules: object[]): string => JSON.stringify({ rules });

const untagged = { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 };
const any = { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 };

const CASES: [string, string][] = [
  ['a valid untagged rule', text(rule(untagged))],
  [
    'a valid tagged rule',
    text(rule({ ...untagged, tagStatus: 'tagged', tagPrefixList: ['v'] }, { description: 'd' })),
  ],
  ['a valid any rule last', text(rule(untagged), { ...rule(any), rulePriority: 2 })],
  ['not JSON', '{ "rules": ['],
  ['not an object', '[]'],
  ['an unknown member', JSON.stringify({ rules: [rule(untagged)], x: 1 })],
  ['no rules', text()],
  ['a rule not an object', JSON.stringify({ rules: [1] })],
  ['an unknown rule member', text(rule(untagged, { x: 1 }))],
  ['priority 0', text(rule(untagged, { rulePriority: 0 }))],
  ['priority 1.5', text(rule(untagged, { rulePriority: 1.5 }))],
  ['a description not a string', text(rule(untagged, { description: 3 }))],
  ['another action', text(rule(untagged, { action: { type: 'archive' } }))],
  ['no selection', text({ rulePriority: 1, action: { type: 'expire' } })],
  ['an unknown selection member', text(rule({ ...untagged, x: 1 }))],
  ['a wrong tagStatus', text(rule({ ...untagged, tagStatus: 'some' }))],
  ['tagged without a list', text(rule({ ...untagged, tagStatus: 'tagged' }))],
  ['a list when untagged', text(rule({ ...untagged, tagPrefixList: ['v'] }))],
  ['an empty list', text(rule({ ...untagged, tagStatus: 'tagged', tagPrefixList: [] }))],
  [
    'both lists',
    text(rule({ ...untagged, tagStatus: 'tagged', tagPrefixList: ['v'], tagPatternList: ['v*'] })),
  ],
  ['sinceImagePushed without a unit', text(rule({ ...any, countUnit: undefined }))],
  ['a unit with imageCountMoreThan', text(rule({ ...untagged, countUnit: 'days' }))],
  ['a wrong countType', text(rule({ ...untagged, countType: 'sinceImagePulled' }))],
  ['countNumber 0', text(rule({ ...untagged, countNumber: 0 }))],
  ['a priority twice', text(rule(untagged), rule({ ...any }))],
  ['two any rules', text(rule(any), { ...rule(any), rulePriority: 2 })],
  ['any not last', text(rule(any), { ...rule(untagged), rulePriority: 2 })],
  ['two untagged rules', text(rule(untagged), { ...rule(untagged), rulePriority: 2 })],
];

function serverAccepts(policy: string): boolean {
  try {
    parseLifecyclePolicy(policy);
    return true;
  } catch {
    return false;
  }
}

describe("the console's lifecycle policy check", () => {
  it.each(CASES)('agrees with the server on %s', (_, policy) => {
    expect(checkLifecyclePolicy(policy).ok).toBe(serverAccepts(policy));
  });

  it('leaves to the server what only it checks: more than four wildcards in a pattern', () => {
    const policy = text(
      rule({ ...untagged, tagStatus: 'tagged', tagPatternList: ['a*b*c*d*e*f'] }),
    );
    expect(checkLifecyclePolicy(policy).ok).toBe(true);
    expect(serverAccepts(policy)).toBe(false);
  });
});

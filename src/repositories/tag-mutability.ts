import { InvalidParameterException } from '../common/errors/registry-exception';

/** The tag mutability settings of a repository. */
export const IMAGE_TAG_MUTABILITIES = [
  'MUTABLE',
  'IMMUTABLE',
  'IMMUTABLE_WITH_EXCLUSION',
  'MUTABLE_WITH_EXCLUSION',
] as const;
export type ImageTagMutability = (typeof IMAGE_TAG_MUTABILITIES)[number];

/** A filter naming tags that do the opposite of the repository's setting. */
export interface TagMutabilityExclusionFilter {
  filterType: 'WILDCARD';
  filter: string;
}

/** At most this many `*` in one filter, as ECR allows. */
export const MAX_FILTER_WILDCARDS = 2;

const WITH_EXCLUSION = new Set<string>(['IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION']);

/**
 * Checks a setting with its filters: the `*_WITH_EXCLUSION` settings take one filter or more,
 * the others none; a filter has at most two `*`. The list's size and each filter's characters
 * and length are the model's constraints, checked where the input is read.
 */
export function checkTagMutability(
  mutability: ImageTagMutability,
  filters: TagMutabilityExclusionFilter[] | undefined,
): TagMutabilityExclusionFilter[] {
  const member = 'imageTagMutabilityExclusionFilters';
  const list = filters ?? [];
  if (WITH_EXCLUSION.has(mutability) && list.length === 0) {
    throw InvalidParameterException.constraint(
      member,
      `must contain at least one filter when imageTagMutability is ${mutability}`,
    );
  }
  if (!WITH_EXCLUSION.has(mutability) && list.length > 0) {
    throw InvalidParameterException.constraint(
      member,
      `must be empty when imageTagMutability is ${mutability}`,
    );
  }
  for (const [i, { filter }] of list.entries()) {
    if (filter.split('*').length - 1 > MAX_FILTER_WILDCARDS) {
      throw InvalidParameterException.constraint(
        `${member}.${i}.filter`,
        `must contain at most ${MAX_FILTER_WILDCARDS} wildcard characters (*)`,
      );
    }
  }
  return list.map(({ filterType, filter }) => ({ filterType, filter }));
}

/**
 * Whether `tag` matches the wildcard `pattern`, where `*` stands for any run of characters
 * (none included) and every other character for itself. The pattern is split on `*` and its
 * pieces found in order, leftmost first: no regular expression is built from the input, and the
 * work is bounded by the pattern's pieces times the tag's length.
 */
export function matchesWildcard(pattern: string, tag: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern === tag;
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (!tag.startsWith(first)) return false;
  let from = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const at = tag.indexOf(piece, from);
    if (at < 0) return false;
    from = at + piece.length;
  }
  // The last piece sits at the end, after everything matched before it.
  return tag.length - last.length >= from && tag.endsWith(last);
}

/**
 * Whether an existing `tag` may be moved to another image, under the repository's setting: a
 * tag matching any filter does the opposite of what the setting says of the others.
 */
export function isTagMutable(
  setting: {
    imageTagMutability: string;
    imageTagMutabilityExclusionFilters: TagMutabilityExclusionFilter[];
  },
  tag: string,
): boolean {
  const excluded = (): boolean =>
    setting.imageTagMutabilityExclusionFilters.some((f) => matchesWildcard(f.filter, tag));
  switch (setting.imageTagMutability) {
    case 'IMMUTABLE':
      return false;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return excluded();
    case 'MUTABLE_WITH_EXCLUSION':
      return !excluded();
    default:
      return true;
  }
}

import { RepositoryTag } from './entities/repository.entity';
import { InvalidTagParameterException, TooManyTagsException } from './repositories.errors';

export const MAX_TAGS = 50;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function checkKey(key: string): void {
  if (key.length < 1 || key.length > 128) {
    throw new InvalidTagParameterException('A tag key must be 1 to 128 characters long');
  }
  if (!TAG_CHARS.test(key)) {
    throw new InvalidTagParameterException(
      'Tag keys and values may contain only letters, digits, spaces and _ . : / = + - @',
    );
  }
  if (key.toLowerCase().startsWith('aws:')) {
    throw new InvalidTagParameterException("Tag keys starting with 'aws:' are reserved");
  }
}

/** AWS resource tag rules: at most 50, keys 1–128 and values 0–256 characters, unique keys. */
export function checkTags(tags: RepositoryTag[] | undefined): RepositoryTag[] {
  if (!tags) return [];
  if (tags.length > MAX_TAGS) {
    throw new TooManyTagsException(
      `The request contains ${tags.length} tags; a repository can have at most ${MAX_TAGS}`,
    );
  }
  const keys = new Set<string>();
  for (const { Key, Value } of tags) {
    if (Key.length < 1 || Key.length > 128) {
      throw new InvalidTagParameterException('A tag key must be 1 to 128 characters long');
    }
    if (Value.length > 256) {
      throw new InvalidTagParameterException('A tag value must be at most 256 characters long');
    }
    if (!TAG_CHARS.test(Key) || !TAG_CHARS.test(Value)) {
      throw new InvalidTagParameterException(
        'Tag keys and values may contain only letters, digits, spaces and _ . : / = + - @',
      );
    }
    if (Key.toLowerCase().startsWith('aws:')) {
      throw new InvalidTagParameterException("Tag keys starting with 'aws:' are reserved");
    }
    if (keys.has(Key)) {
      throw new InvalidTagParameterException(`The tag key '${Key}' appears more than once`);
    }
    keys.add(Key);
  }
  return tags.map(({ Key, Value }) => ({ Key, Value }));
}

/**
 * The keys of an UntagResource: each a key a tag could have (a reserved `aws:` key cannot be
 * removed any more than set), at most 50 of them, as a repository has at most 50 tags.
 */
export function checkTagKeys(keys: string[]): void {
  if (keys.length > MAX_TAGS) {
    throw new TooManyTagsException(
      `The request contains ${keys.length} tag keys; a repository can have at most ${MAX_TAGS} tags`,
    );
  }
  for (const key of keys) checkKey(key);
}

/**
 * `existing` with `added` applied: a key it has takes the new value in place, a new key goes at
 * the end. More than 50 tags in all is TooManyTagsException, and nothing changes.
 */
export function mergeTags(existing: RepositoryTag[], added: RepositoryTag[]): RepositoryTag[] {
  const byKey = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const { Key, Value } of added) byKey.set(Key, Value);
  if (byKey.size > MAX_TAGS) {
    throw new TooManyTagsException(
      `The repository would have ${byKey.size} tags; a repository can have at most ${MAX_TAGS}`,
    );
  }
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

/** `existing` without the tags of `keys`. */
export function removeTags(existing: RepositoryTag[], keys: string[]): RepositoryTag[] {
  const removed = new Set(keys);
  return existing.filter((t) => !removed.has(t.Key));
}

import { RepositoryTag } from './entities/repository.entity';
import { InvalidTagParameterException, TooManyTagsException } from './repositories.errors';

export const MAX_TAGS = 50;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

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

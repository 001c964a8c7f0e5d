import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { InvalidParameterException } from '../common/errors/registry-exception';
import {
  BlobMember,
  IntegerMember,
  Length,
  ListMember,
  Nested,
  OneOf,
  Optional,
  Pattern,
  Range,
  Required,
  StringMember,
} from '../common/validation/ecr-constraints';
import { BatchCheckLayerAvailabilityRequest } from './dto/batch-check-layer-availability.request';
import { MAX_INPUT_DEPTH, validateEcrInput } from './ecr-input';
import { SerializationException } from './ecr.errors';

// Inputs shaped like the model's (a registry id, a repository name, an enum, a nested structure,
// a list, a range, a blob), declared here so that the ordering rules are proven on their own.
class Encryption {
  @Required()
  @StringMember()
  @OneOf(['AES256', 'KMS'])
  encryptionType!: string;

  @Optional()
  @StringMember()
  @Length(1, 8)
  kmsKey?: string;
}

class Input {
  @Optional()
  @StringMember()
  @Pattern('[0-9]{12}')
  registryId?: string;

  @Required()
  @StringMember()
  @Length(2, 16)
  @Pattern('[a-z0-9]+(?:[/._-][a-z0-9]+)*')
  repositoryName!: string;

  @Optional()
  @StringMember()
  @OneOf(['MUTABLE', 'IMMUTABLE'])
  imageTagMutability?: string;

  @Optional()
  @Nested(() => Encryption)
  encryptionConfiguration?: Encryption;

  @Optional()
  @ListMember(1, 3, 'string')
  @Length(1, 4, true)
  layerDigests?: string[];

  @Optional()
  @IntegerMember()
  @Range(1, 1000)
  maxResults?: number;

  @Optional()
  @BlobMember()
  layerPartBlob?: Buffer;
}

const constraint = (member: string, text: string): string =>
  `Invalid parameter at '${member}' failed to satisfy constraint: '${text}'`;

/** The error validateEcrInput throws for `body`, as [shape name, message]. */
function refusal(body: Record<string, unknown>): [string, string] {
  try {
    validateEcrInput(Input, body);
  } catch (err) {
    if (err instanceof InvalidParameterException || err instanceof SerializationException) {
      return [err.name, err.message];
    }
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

const invalid = (member: string, text: string): [string, string] => [
  'InvalidParameterException',
  constraint(member, text),
];

describe('validateEcrInput: which violation ECR reports first', () => {
  it('accepts a valid input, drops unknown members and decodes the blob', () => {
    const out = validateEcrInput(Input, {
      repositoryName: 'a/b',
      unknown: 1,
      layerPartBlob: 'AAEC',
      maxResults: 5,
    });
    expect(out).toBeInstanceOf(Input);
    expect(out.repositoryName).toBe('a/b');
    expect(out.maxResults).toBe(5);
    expect(out.layerPartBlob).toEqual(Buffer.from([0, 1, 2]));
    expect(out).not.toHaveProperty('unknown');
  });

  it('reports a missing member as null, whatever else its absence breaks', () => {
    expect(refusal({})).toEqual(invalid('repositoryName', 'Member must not be null'));
    expect(refusal({ repositoryName: null })).toEqual(
      invalid('repositoryName', 'Member must not be null'),
    );
  });

  it('reports a member of the wrong JSON type as SerializationException, before any constraint', () => {
    // repositoryName is missing too, and registryId breaks its pattern: the type error wins.
    const [name, message] = refusal({ registryId: 'x', maxResults: '5' });
    expect(name).toBe('SerializationException');
    expect(message).toMatch(/^Unexpected value at 'maxResults': /);
    expect(refusal({ repositoryName: 'ok', maxResults: 1.5 })[0]).toBe('SerializationException');
    expect(refusal({ repositoryName: 'ok', layerDigests: 'a' })[0]).toBe('SerializationException');
    expect(refusal({ repositoryName: 'ok', layerPartBlob: 'not base64!' })[0]).toBe(
      'SerializationException',
    );
    expect(refusal({ repositoryName: 'ok', encryptionConfiguration: 'AES256' })[0]).toBe(
      'SerializationException',
    );
  });

  it('reports a length before a pattern on the same member', () => {
    // 'A' is both too short and outside the pattern.
    expect(refusal({ repositoryName: 'A' })).toEqual(
      invalid('repositoryName', 'must have length greater than or equal to 2'),
    );
    expect(refusal({ repositoryName: 'A'.repeat(17) })).toEqual(
      invalid('repositoryName', 'must have length less than or equal to 16'),
    );
    expect(refusal({ repositoryName: 'Ab' })).toEqual(
      invalid('repositoryName', "must satisfy regular expression '[a-z0-9]+(?:[/._-][a-z0-9]+)*'"),
    );
  });

  it('reports a list size before the length of its elements', () => {
    // A list's size is worded 'Member must have length …', as ECR words it (trek10inc/ecr-cleaner#8).
    expect(refusal({ repositoryName: 'ok', layerDigests: [] })).toEqual(
      invalid('layerDigests', 'Member must have length greater than or equal to 1'),
    );
    expect(refusal({ repositoryName: 'ok', layerDigests: ['a', 'b', 'c', 'd'] })).toEqual(
      invalid('layerDigests', 'Member must have length less than or equal to 3'),
    );
    expect(refusal({ repositoryName: 'ok', layerDigests: ['abcde'] })).toEqual(
      invalid('layerDigests', 'must have length less than or equal to 4'),
    );
  });

  it('reports a range, and an enum, in ECR wording', () => {
    expect(refusal({ repositoryName: 'ok', maxResults: 0 })).toEqual(
      invalid('maxResults', 'Member must have value greater than or equal to 1'),
    );
    expect(refusal({ repositoryName: 'ok', maxResults: 1001 })).toEqual(
      invalid('maxResults', 'Member must have value less than or equal to 1000'),
    );
    expect(refusal({ repositoryName: 'ok', imageTagMutability: 'SOMETIMES' })).toEqual(
      invalid('imageTagMutability', 'must satisfy enum value set: [MUTABLE, IMMUTABLE]'),
    );
  });

  it('names a nested member by its path', () => {
    expect(refusal({ repositoryName: 'ok', encryptionConfiguration: {} })).toEqual(
      invalid('encryptionConfiguration.encryptionType', 'Member must not be null'),
    );
    expect(
      refusal({
        repositoryName: 'ok',
        encryptionConfiguration: { encryptionType: 'ROT13', kmsKey: 'k'.repeat(9) },
      }),
    ).toEqual(
      invalid(
        'encryptionConfiguration.encryptionType',
        'must satisfy enum value set: [AES256, KMS]',
      ),
    );
  });

  it('reports the members in the order the input declares them', () => {
    expect(refusal({ registryId: '1', repositoryName: 'A', imageTagMutability: 'x' })).toEqual(
      invalid('registryId', "must satisfy regular expression '[0-9]{12}'"),
    );
    expect(refusal({ repositoryName: 'A', imageTagMutability: 'x', maxResults: 0 })).toEqual(
      invalid('repositoryName', 'must have length greater than or equal to 2'),
    );
    expect(refusal({ repositoryName: 'ok', imageTagMutability: 'x', maxResults: 0 })).toEqual(
      invalid('imageTagMutability', 'must satisfy enum value set: [MUTABLE, IMMUTABLE]'),
    );
  });

  it('treats null members as absent, and drops prototype-named members', () => {
    const body = JSON.parse(
      '{"repositoryName":"ok","registryId":null,"__proto__":{"repositoryName":"A"},"constructor":1}',
    ) as Record<string, unknown>;
    const out = validateEcrInput(Input, body);
    expect(out.registryId).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Input.prototype);
  });

  it(`refuses nesting deeper than ${MAX_INPUT_DEPTH} levels as SerializationException`, () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < MAX_INPUT_DEPTH; i++) deep = { a: deep };
    const [name, message] = refusal({ repositoryName: 'ok', x: deep });
    expect(name).toBe('SerializationException');
    expect(message).toBe(`The request body nests deeper than ${MAX_INPUT_DEPTH} levels`);
    let fits: Record<string, unknown> = {};
    for (let i = 0; i < MAX_INPUT_DEPTH - 2; i++) fits = { a: fits };
    expect(validateEcrInput(Input, { repositoryName: 'ok', x: fits }).repositoryName).toBe('ok');
  });
});

describe('validateEcrInput of a flat input (the check without class-validator’s executor)', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const valid = { repositoryName: 'team/app', layerDigests: [digest, 'not-a-digest', ''] };

  /** What class-validator alone says of the same body: valid, or the error validateEcrInput throws. */
  function reference(body: Record<string, unknown>): 'valid' | 'invalid' {
    const instance = plainToInstance(BatchCheckLayerAvailabilityRequest, structuredClone(body));
    return validateSync(instance, { whitelist: true, forbidUnknownValues: false }).length === 0
      ? 'valid'
      : 'invalid';
  }

  it('accepts a valid input and drops unknown members, as validateSync with whitelist', () => {
    const out = validateEcrInput(BatchCheckLayerAvailabilityRequest, { ...valid, extra: 1 });
    expect(out).toBeInstanceOf(BatchCheckLayerAvailabilityRequest);
    expect(out.layerDigests).toEqual(valid.layerDigests);
    expect(out).not.toHaveProperty('extra');
  });

  it.each<[string, Record<string, unknown>]>([
    ['valid', valid],
    ['with a registry id', { ...valid, registryId: '123456789012' }],
    ['a bad registry id', { ...valid, registryId: '12' }],
    ['no repository name', { layerDigests: [digest] }],
    ['a short repository name', { ...valid, repositoryName: 'a' }],
    ['a repository name of the wrong pattern', { ...valid, repositoryName: 'A/B' }],
    ['a repository name of the wrong type', { ...valid, repositoryName: 5 }],
    ['no digests', { ...valid, layerDigests: [] }],
    ['101 digests', { ...valid, layerDigests: Array.from({ length: 101 }, () => digest) }],
    ['a digest of 1001 characters', { ...valid, layerDigests: ['a'.repeat(1001)] }],
    ['a digest that is a number', { ...valid, layerDigests: [digest, 7] }],
    ['digests that are a string', { ...valid, layerDigests: digest }],
  ])('agrees with validateSync on %s', (_, body) => {
    let outcome: 'valid' | 'invalid' = 'valid';
    try {
      validateEcrInput(BatchCheckLayerAvailabilityRequest, structuredClone(body));
    } catch {
      outcome = 'invalid';
    }
    expect(outcome).toBe(reference(body));
  });

  it('words the error as before: the first violation in ECR order', () => {
    const [name, message] = (() => {
      try {
        validateEcrInput(BatchCheckLayerAvailabilityRequest, { ...valid, repositoryName: 'a' });
      } catch (err) {
        return [(err as Error).name, (err as Error).message];
      }
      return ['none', ''];
    })();
    expect(name).toBe('InvalidParameterException');
    expect(message).toContain("'repositoryName'");
    expect(message).toContain('must have length greater than or equal to 2');
  });
});

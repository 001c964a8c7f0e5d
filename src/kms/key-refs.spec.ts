import { isReservedAlias, parseKeyRef } from './key-refs';

describe('KMS key references', () => {
  const id = '1234abcd-12ab-34cd-56ef-1234567890ab';

  it.each([
    [id, { kind: 'key', keyId: id }],
    [
      `arn:aws:kms:us-east-1:111122223333:key/${id}`,
      { kind: 'key', keyId: id, accountId: '111122223333', region: 'us-east-1' },
    ],
    ['alias/ecr/images', { kind: 'alias', name: 'alias/ecr/images' }],
    [
      'arn:aws:kms:eu-west-1:111122223333:alias/aws/ecr',
      { kind: 'alias', name: 'alias/aws/ecr', accountId: '111122223333', region: 'eu-west-1' },
    ],
  ])('read %s', (text, ref) => {
    expect(parseKeyRef(text)).toEqual(ref);
  });

  it.each([
    '',
    'nope',
    'alias/',
    'alias/has space',
    `arn:aws:kms:us-east-1:1111:key/${id}`,
    'arn:aws:kms:us-east-1:111122223333:key/nope',
  ])('refuse %j', (text) => {
    expect(parseKeyRef(text)).toBeUndefined();
  });

  it('reserve alias/aws/ for AWS managed keys', () => {
    expect(isReservedAlias('alias/aws/ecr')).toBe(true);
    expect(isReservedAlias('alias/awsome')).toBe(false);
  });
});

import { DOMAIN_ERROR_CODES, type DomainErrorCode } from '../errors/domain-error-code';
import { KMS_DOOR_ERROR_CODES, type KmsDoorErrorCode } from './kms-door.errors';
import { kmsErrorAnswer } from './kms-error-map';

const KMS_OWN = new Set<string>([
  'UnknownOperationException',
  'SerializationException',
  'LimitExceededException',
  'AccessDeniedException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ValidationException',
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'AlreadyExistsException',
  'InvalidAliasNameException',
  'InvalidMarkerException',
  'UnsupportedOperationException',
]);

/** KMS's own errors as they are; an invalid input as ValidationException; the rest internal. */
function expected(code: DomainErrorCode | KmsDoorErrorCode): [number, string] {
  if (KMS_OWN.has(code)) return [400, code];
  if (code === 'InvalidParameterException') return [400, 'ValidationException'];
  return [500, 'KMSInternalException'];
}

describe('the KMS error mapping', () => {
  it.each(
    [...KMS_DOOR_ERROR_CODES, ...DOMAIN_ERROR_CODES].map((code) => [code, ...expected(code)]),
  )('answers %s with %d %s', (code, status, type) => {
    const answer = kmsErrorAnswer(code);
    expect([answer.status, answer.type]).toEqual([status, type]);
  });
});

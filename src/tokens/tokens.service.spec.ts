import { createHmac } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import type { SigningKeyService } from '../crypto/signing-key.service';
import { TokensService } from './tokens.service';

function tokens(): { service: TokensService; verifications: () => number } {
  let count = 0;
  const sign = (purpose: string, message: string): string =>
    createHmac('sha256', 'k').update(`${purpose}\n${message}`).digest('base64url');
  const signer = {
    sign,
    verify: (purpose: string, message: string, signature: string) => {
      count++;
      return sign(purpose, message) === signature;
    },
  } as unknown as SigningKeyService;
  const config = { publicUrl: 'http://localhost' } as AppConfig;
  return { service: new TokensService(signer, config), verifications: () => count };
}

describe('TokensService.read', () => {
  it('verifies a password once, and judges its expiry on every read', () => {
    const { service, verifications } = tokens();
    const password = service.issue({
      registryId: '111122223333',
      expires: 1000,
      accessKeyId: 'AKID',
    });
    expect(service.read(password, 999_000)).toEqual({
      claims: { registryId: '111122223333', expires: 1000, accessKeyId: 'AKID' },
      expired: false,
    });
    expect(service.read(password, 1_000_001)?.expired).toBe(true);
    expect(service.verify(password)).toBeUndefined(); // expired now
    expect(verifications()).toBe(1);
  });

  it('still refuses an altered password after the genuine one was verified', () => {
    const { service } = tokens();
    const password = service.issue({ registryId: '111122223333', expires: 4_000_000_000 });
    expect(service.read(password)?.claims.registryId).toBe('111122223333');
    const [payload, signature] = password.split('.');
    const forged = Buffer.from(JSON.stringify({ r: '999999999999', e: 4_000_000_000 })).toString(
      'base64url',
    );
    expect(service.read(`${forged}.${signature}`)).toBeUndefined();
    expect(service.read(`${payload}.${signature.slice(1)}x`)).toBeUndefined();
    expect(service.read(`${password}.extra`)).toBeUndefined();
  });
});

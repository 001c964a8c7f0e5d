import { createHmac } from 'node:crypto';
import type { AccessKeysService } from '../auth/access-keys.service';
import type { AppConfig } from '../config/app-config';
import type { SigningKeyService } from '../crypto/signing-key.service';
import { tokenHonouredBy, TokensService } from './tokens.service';

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
  const keys = {} as AccessKeysService;
  return { service: new TokensService(signer, config, keys), verifications: () => count };
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

describe('tokenHonouredBy', () => {
  const key = {
    accountId: '111122223333',
    accessKeyId: 'AKID',
    secretAccessKey: 's',
    deactivations: 0,
  };
  const claims = { registryId: '111122223333', accessKeyId: 'AKID', expires: 4_000_000_000 };

  it('honours a token issued at the count of deactivations its key still has', () => {
    const { service } = tokens();
    const issued = service.read(service.issue({ ...claims, keyDeactivations: 2 }))!.claims;
    expect(issued.keyDeactivations).toBe(2);
    expect(tokenHonouredBy({ ...key, deactivations: 2 }, issued)).toBe(true);
  });

  it('refuses a token issued before a deactivation of its key, once the key is active again', () => {
    expect(tokenHonouredBy({ ...key, deactivations: 1 }, { ...claims, keyDeactivations: 0 })).toBe(
      false,
    );
    // A token of before the count was kept reads as 0.
    expect(tokenHonouredBy(key, claims)).toBe(true);
    expect(tokenHonouredBy({ ...key, deactivations: 1 }, claims)).toBe(false);
  });

  it("refuses a token of another account than its key's", () => {
    expect(tokenHonouredBy({ ...key, accountId: '999999999999' }, claims)).toBe(false);
  });
});

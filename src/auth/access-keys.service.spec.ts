import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import type { MasterKeyService } from '../crypto/master-key.service';
import { AccessKeysService } from './access-keys.service';
import type { AuthRepository } from './auth.repository';

describe('AccessKeysService key cache', () => {
  function service(accessKeyCacheMs: number): { keys: AccessKeysService; reads: () => number } {
    let reads = 0;
    const repository = {
      findActiveKey: () => {
        reads++;
        return Promise.resolve({ accountId: '111122223333', secretCiphertext: Buffer.from('x') });
      },
    } as unknown as AuthRepository;
    const masterKey = { open: () => 'secret' } as unknown as MasterKeyService;
    const keys = new AccessKeysService(
      repository,
      masterKey,
      {} as Logger,
      {
        accessKeyCacheMs,
      } as AppConfig,
    );
    return { keys, reads: () => reads };
  }

  it('reuses an active key it read within the cache lifetime', async () => {
    const { keys, reads } = service(60_000);
    const first = await keys.findActive('AKIAEXAMPLEEXAMPLE01');
    const second = await keys.findActive('AKIAEXAMPLEEXAMPLE01');
    expect(second).toEqual(first);
    expect(reads()).toBe(1);
    await keys.findActive('AKIAEXAMPLEEXAMPLE02');
    expect(reads()).toBe(2);
  });

  it('reads the current row when asked to, whatever the cache holds', async () => {
    const { keys, reads } = service(60_000);
    await keys.findActive('AKIAEXAMPLEEXAMPLE01');
    await keys.findActive('AKIAEXAMPLEEXAMPLE01', { currentKey: true });
    expect(reads()).toBe(2);
  });

  it('reads the key on every call when the cache is off', async () => {
    const { keys, reads } = service(0);
    await keys.findActive('AKIAEXAMPLEEXAMPLE01');
    await keys.findActive('AKIAEXAMPLEEXAMPLE01');
    expect(reads()).toBe(2);
  });

  it('withdraws keys only after the lifetime of every cached copy has passed', async () => {
    const { keys, reads } = service(300);
    await keys.findActive('AKIAEXAMPLEEXAMPLE01');
    const started = performance.now();
    await keys.outlastCachedKeys();
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    await keys.findActive('AKIAEXAMPLEEXAMPLE01');
    expect(reads()).toBe(2);
  });
});

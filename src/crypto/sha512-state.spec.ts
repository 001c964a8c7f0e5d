import { createHash, randomBytes } from 'node:crypto';
import { initSha256Engine } from './sha256-state';
import { initSha512Engine, isSha512State, Sha512StateError } from './sha512-state';

describe('the resumable SHA-512 state', () => {
  it('resumed from a serialised state, part after part, hashes as node:crypto does', async () => {
    const engine = await initSha512Engine();
    const parts = [randomBytes(1), randomBytes(1000), randomBytes(128), randomBytes(70_001)];
    let state: Buffer | null = engine.initial();
    for (const part of parts) state = engine.update(Buffer.from(state), part);
    const expected = createHash('sha512').update(Buffer.concat(parts)).digest('hex');
    expect(engine.digestHex(state)).toBe(expected);
    expect(engine.digestHex(null)).toBe(createHash('sha512').digest('hex'));
    expect(engine.digestHex(engine.initial())).toBe(createHash('sha512').digest('hex'));
  });

  it('is told apart from a SHA-256 state, and refuses one', async () => {
    const sha512 = await initSha512Engine();
    const sha256 = await initSha256Engine();
    const other = sha256.update(null, Buffer.from('abc'));
    expect(isSha512State(sha512.initial())).toBe(true);
    expect(isSha512State(other)).toBe(false);
    expect(isSha512State(null)).toBe(false);
    expect(() => sha512.update(other, Buffer.from('d'))).toThrow(Sha512StateError);
    expect(() => sha256.update(sha512.initial(), Buffer.from('d'))).toThrow();
  });
});

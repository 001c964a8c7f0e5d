import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EntityManager } from 'typeorm';
import { FilesystemBlobStore } from './filesystem-blob.store';
import { storageTransaction } from './storage-transaction';

// The filesystem driver never looks into the transaction: parts are files, the rows are the caller's.
const NO_MANAGER = storageTransaction({} as EntityManager);
const KEY = '0123456789abcdef0123456789abcdef';

describe('FilesystemBlobStore staged parts', () => {
  let root: string;
  let store: FilesystemBlobStore;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fs-store-'));
    store = new FilesystemBlobStore(root);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('places the bytes staged while they arrived, then the rest, as the part file', async () => {
    const data = Buffer.from('the bytes of one layer part, staged in pieces');
    const staged = store.stagePart();
    staged.progress(data.subarray(0, 10));
    staged.progress(data.subarray(0, 25));
    await staged.place(NO_MANAGER, KEY, 0, data);
    expect(fs.readFileSync(path.join(store.objectDir(KEY), '0'))).toEqual(data);
    expect(fs.readdirSync(path.join(root, '.tmp'))).toEqual([]);
  });

  it('refuses to place a part that was discarded, instead of waiting for ever', async () => {
    const staged = store.stagePart();
    staged.progress(Buffer.from('partial'));
    await staged.discard();
    await expect(staged.place(NO_MANAGER, KEY, 0, Buffer.from('partial bytes'))).rejects.toThrow(
      'discarded',
    );
    expect(fs.existsSync(store.objectDir(KEY))).toBe(false);
    expect(fs.readdirSync(path.join(root, '.tmp'))).toEqual([]);
  });

  it('fails a placing that a discard interrupts, instead of waiting for ever', async () => {
    const staged = store.stagePart();
    const placing = expect(
      staged.place(NO_MANAGER, KEY, 0, Buffer.alloc(1024 * 1024, 7)),
    ).rejects.toThrow('discarded');
    await staged.discard();
    await placing;
    expect(fs.existsSync(store.objectDir(KEY))).toBe(false);
    expect(fs.readdirSync(path.join(root, '.tmp'))).toEqual([]);
  });
});

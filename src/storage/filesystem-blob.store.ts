import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EntityManager } from 'typeorm';
import { BlobStore, StagedPart } from './blob-store';

const TEMP_DIR = '.tmp';

/**
 * Keeps each object as a directory of part files under `root` (a local disk, or a volume every
 * instance mounts). A part is written under a temporary name (in `.tmp/`), fsynced, then renamed into place
 * and the directory fsynced, so an acknowledged part survives a crash and a half-written one is
 * never visible.
 */
export class FilesystemBlobStore implements BlobStore {
  readonly driver = 'filesystem' as const;

  /** The `.tmp` directory, created once: every part write needs it, and nothing removes it. */
  private tempDirReady?: Promise<string>;

  constructor(private readonly root: string) {}

  private tempDir(): Promise<string> {
    const dir = path.join(this.root, TEMP_DIR);
    this.tempDirReady ??= fsp.mkdir(dir, { recursive: true }).then(
      () => dir,
      (err: unknown) => {
        // Not memoised when it fails (a volume not mounted yet): the next write tries again.
        this.tempDirReady = undefined;
        throw err;
      },
    );
    return this.tempDirReady;
  }

  objectDir(key: string): string {
    return path.join(this.root, key.slice(0, 2), key);
  }

  /** A part whose bytes are all here: staged and placed at once, through the same steps. */
  async writePart(
    manager: EntityManager,
    key: string,
    partNo: number,
    data: Buffer,
  ): Promise<void> {
    const staged = new FilesystemStagedPart(this);
    try {
      await staged.place(manager, key, partNo, data);
    } finally {
      await staged.discard();
    }
  }

  stagePart(): StagedPart {
    return new FilesystemStagedPart(this);
  }

  /**
   * A new name in `.tmp/` (created if need be). Temporary files live apart from the objects, so
   * that what a crash leaves behind is found (and swept) in one place, never inside an object.
   */
  async tempPath(): Promise<string> {
    return path.join(await this.tempDir(), `part.${randomBytes(6).toString('hex')}.tmp`);
  }

  /**
   * Renames a written and fsynced temporary file into place as part `partNo` of `key`, and
   * fsyncs the directory: once this resolves the part survives a crash. Removes the file when
   * it cannot be placed.
   */
  async placeTemp(temp: string, key: string, partNo: number): Promise<void> {
    const dir = this.objectDir(key);
    try {
      await fsp.mkdir(dir, { recursive: true });
      await fsp.rename(temp, path.join(dir, String(partNo)));
    } catch (err) {
      await fsp.rm(temp, { force: true });
      throw err;
    }
    const dirHandle = await fsp.open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }

  /** Removes temporary files older than `graceSeconds`: the leftovers of writes a crash cut. */
  async sweepTemp(graceSeconds: number): Promise<number> {
    const tempDir = path.join(this.root, TEMP_DIR);
    let names: string[];
    try {
      names = await fsp.readdir(tempDir);
    } catch {
      return 0;
    }
    let removed = 0;
    const cutoff = Date.now() - graceSeconds * 1000;
    for (const name of names) {
      const file = path.join(tempDir, name);
      try {
        if ((await fsp.stat(file)).mtimeMs <= cutoff) {
          await fsp.rm(file, { force: true });
          removed++;
        }
      } catch {
        // gone already: another instance swept it
      }
    }
    return removed;
  }

  read(key: string, partSizes: number[], start: number, end: number): Readable {
    const out = new PassThrough();
    const dir = this.objectDir(key);
    const run = async (): Promise<void> => {
      let offset = 0;
      for (let partNo = 0; partNo < partSizes.length && offset <= end; partNo++) {
        const size = partSizes[partNo];
        const partStart = offset;
        const partEnd = offset + size - 1;
        offset += size;
        if (partEnd < start) continue;
        const from = Math.max(start, partStart) - partStart;
        const to = Math.min(end, partEnd) - partStart;
        await pipeline(
          fs.createReadStream(path.join(dir, String(partNo)), { start: from, end: to }),
          out,
          { end: false },
        );
      }
      out.end();
    };
    run().catch((err: Error) => out.destroy(err));
    return out;
  }

  async remove(_manager: EntityManager, key: string): Promise<void> {
    await fsp.rm(this.objectDir(key), { recursive: true, force: true });
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * A part written to a temporary file: while it arrives, each `progress` appends what is new, one
 * write at a time; `place` writes the rest, fsyncs, and renames the file into place.
 */
class FilesystemStagedPart implements StagedPart {
  readonly driver = 'filesystem' as const;
  private readonly file: Promise<{ handle: fsp.FileHandle; temp: string }>;
  private available?: Buffer;
  private written = 0;
  private writing?: Promise<void>;
  private failure?: Error;
  private finished = false;

  constructor(private readonly store: FilesystemBlobStore) {
    this.file = store.tempPath().then(async (temp) => ({
      handle: await fsp.open(temp, 'w', 0o640),
      temp,
    }));
    this.file.catch((err: unknown) => (this.failure = asError(err)));
  }

  usable(): boolean {
    return this.failure === undefined && !this.finished;
  }

  progress(decoded: Buffer): void {
    this.available = decoded;
    this.pump();
  }

  private pump(): void {
    if (this.writing || this.failure !== undefined || this.finished) return;
    if (!this.available || this.available.length <= this.written) return;
    this.writing = (async () => {
      const { handle } = await this.file;
      while (!this.finished && this.available && this.available.length > this.written) {
        const data = this.available;
        const { bytesWritten } = await handle.write(
          data,
          this.written,
          data.length - this.written,
          this.written,
        );
        this.written += bytesWritten;
      }
    })()
      .catch((err: unknown) => {
        this.failure = asError(err);
      })
      .finally(() => {
        this.writing = undefined;
      });
  }

  async place(_manager: EntityManager, key: string, partNo: number, data: Buffer): Promise<void> {
    this.available = data;
    while (this.failure === undefined && this.written < data.length) {
      this.pump();
      await this.writing;
    }
    if (this.failure !== undefined) throw this.failure;
    this.finished = true;
    const { handle, temp } = await this.file;
    try {
      await handle.sync();
    } catch (err) {
      await handle.close();
      await fsp.rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    await this.store.placeTemp(temp, key, partNo);
  }

  async discard(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.writing;
    try {
      const { handle, temp } = await this.file;
      await handle.close();
      await fsp.rm(temp, { force: true });
    } catch {
      // never opened, or gone already: nothing to remove (a leftover is swept later)
    }
  }
}

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { BlobStore, StagedPart } from './blob-store';
import { type PartSlice, partSlices } from './blob-ranges';
import type { StorageTransaction } from './storage-transaction';

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
    tx: StorageTransaction,
    key: string,
    partNo: number,
    data: Buffer,
  ): Promise<void> {
    const staged = new FilesystemStagedPart(this);
    try {
      await staged.place(tx, key, partNo, data);
    } finally {
      await staged.discard();
    }
  }

  async readPart(
    _tx: StorageTransaction,
    key: string,
    partNo: number,
    size: number,
  ): Promise<Buffer> {
    const file = await fsp.open(path.join(this.objectDir(key), String(partNo)), 'r');
    try {
      const data = Buffer.allocUnsafe(size);
      for (let at = 0; at < size;) {
        const { bytesRead } = await file.read(data, at, size - at, at);
        if (bytesRead === 0) {
          throw new Error(`part ${partNo} of ${key} is shorter than its recorded size`);
        }
        at += bytesRead;
      }
      return data;
    } finally {
      await file.close();
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
    return new PartFilesReader(this.objectDir(key), key, partSlices(partSizes, start, end));
  }

  /**
   * Reads into two buffers of its own, taken again once `out` is done with them: allocating a
   * fresh buffer per read (what a stream does) made garbage collection most of a blob GET's CPU.
   */
  async send(
    key: string,
    partSizes: number[],
    start: number,
    end: number,
    out: Writable,
  ): Promise<void> {
    try {
      await sendParts(this.objectDir(key), key, partSlices(partSizes, start, end), out);
    } catch (err) {
      out.destroy();
      throw err;
    }
  }

  /** Parts are files, readable as soon as they are placed: nothing to join. */
  async complete(): Promise<void> {}

  async remove(_tx: StorageTransaction, keys: string[]): Promise<void> {
    for (const key of keys) await fsp.rm(this.objectDir(key), { recursive: true, force: true });
  }
}

/**
 * How much one read takes from a part file: large reads keep the per-chunk cost (a thread pool
 * round trip, a stream step, a socket write) small against the copying of the bytes; at 64 KiB
 * (`fs.createReadStream`'s default) that cost was most of a blob GET.
 */
export const READ_BYTES = 1024 * 1024;

/**
 * The bytes of `slices` from the part files in `dir`, one file open at a time, one read per
 * `READ_BYTES`, straight into the buffers that are handed on (no stream in between). A part file
 * shorter than its recorded size fails the read rather than shifting the bytes after it.
 */
class PartFilesReader extends Readable {
  private index = 0;
  private fd?: number;
  private position = 0;
  /** A read or an open is running: the descriptor must not be closed under it. */
  private busy = false;

  constructor(
    private readonly dir: string,
    private readonly key: string,
    private readonly slices: PartSlice[],
  ) {
    super({ highWaterMark: READ_BYTES });
  }

  override _read(): void {
    const slice = this.slices[this.index];
    if (!slice) {
      this.push(null);
      return;
    }
    this.busy = true;
    if (this.fd === undefined) {
      fs.open(path.join(this.dir, String(slice.partNo)), 'r', (err, fd) => {
        this.busy = false;
        if (err) return this.destroy(err);
        this.fd = fd;
        this.position = slice.from;
        if (this.destroyed) return this.closeFile();
        this._read();
      });
      return;
    }
    const length = Math.min(READ_BYTES, slice.to - this.position);
    const buffer = Buffer.allocUnsafeSlow(length);
    fs.read(this.fd, buffer, 0, length, this.position, (err, bytesRead) => {
      this.busy = false;
      if (this.destroyed) return this.closeFile();
      if (err) return this.destroy(err);
      if (bytesRead === 0) {
        return this.destroy(
          new Error(`part ${slice.partNo} of ${this.key} is shorter than its recorded size`),
        );
      }
      this.position += bytesRead;
      if (this.position >= slice.to) {
        this.closeFile();
        this.index++;
      }
      this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
    });
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.busy) this.closeFile();
    callback(err);
  }

  private closeFile(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) fs.close(fd, () => undefined);
  }
}

/** Buffers a send reads into in turn: one is read while the other is being written. */
const SEND_BUFFERS = 2;

async function sendParts(
  dir: string,
  key: string,
  slices: PartSlice[],
  out: Writable,
): Promise<void> {
  const total = slices.reduce((sum, s) => sum + s.to - s.from, 0);
  const bufferBytes = Math.min(READ_BYTES, total);
  const free: Buffer[] = [];
  for (let i = 0; i < SEND_BUFFERS && i * bufferBytes < total; i++) {
    free.push(Buffer.allocUnsafeSlow(bufferBytes));
  }
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const settle = (): void => {
    wake?.();
    wake = undefined;
  };
  const onClose = (): void => {
    failure ??= new Error('the receiver closed before the blob was sent');
    settle();
  };
  out.once('close', onClose);
  try {
    for (const slice of slices) {
      const file = await fsp.open(path.join(dir, String(slice.partNo)), 'r');
      try {
        for (let position = slice.from; position < slice.to;) {
          while (free.length === 0 && failure === undefined) {
            await new Promise<void>((resolve) => (wake = resolve));
          }
          if (failure !== undefined) throw failure;
          const buffer = free.pop()!;
          const length = Math.min(bufferBytes, slice.to - position);
          const { bytesRead } = await file.read(buffer, 0, length, position);
          if (bytesRead === 0) {
            throw new Error(`part ${slice.partNo} of ${key} is shorter than its recorded size`);
          }
          position += bytesRead;
          out.write(buffer.subarray(0, bytesRead), (err) => {
            if (err) failure ??= err;
            else free.push(buffer);
            settle();
          });
        }
      } finally {
        await file.close();
      }
    }
    if (failure !== undefined) throw failure;
    out.end();
    await finished(out);
  } finally {
    out.off('close', onClose);
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

  async place(_tx: StorageTransaction, key: string, partNo: number, data: Buffer): Promise<void> {
    this.available = data;
    while (this.failure === undefined && this.written < data.length) {
      // Discarded (before or while placing): nothing writes the rest, and waiting would spin.
      if (this.finished) throw new Error('the staged part was discarded before it was placed');
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

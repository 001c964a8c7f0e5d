import type { Readable, Writable } from 'node:stream';
import type { BlobStoreDriver } from '../config/app-config';
import type { BlobStore, StagedPart } from './blob-store';

/**
 * A driver this instance is not configured for: every use fails, naming what is missing. An
 * object it wrote is then a failed read (a ServerException), never taken for another driver's.
 */
export class UnconfiguredBlobStore implements BlobStore {
  constructor(
    readonly driver: BlobStoreDriver,
    private readonly missing: string,
  ) {}

  private fail(): Error {
    return new Error(`the ${this.driver} driver is not configured: ${this.missing}`);
  }

  writePart(): Promise<void> {
    return Promise.reject(this.fail());
  }

  readPart(): Promise<Buffer> {
    return Promise.reject(this.fail());
  }

  complete(): Promise<void> {
    return Promise.reject(this.fail());
  }

  stagePart(): StagedPart {
    throw this.fail();
  }

  read(): Readable {
    throw this.fail();
  }

  send(_key: string, _sizes: number[], _start: number, _end: number, out: Writable): Promise<void> {
    out.destroy();
    return Promise.reject(this.fail());
  }

  remove(): Promise<void> {
    return Promise.reject(this.fail());
  }
}

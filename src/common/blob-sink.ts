/**
 * Takes an operation's large blob (a layer part) while the request is still arriving, so that
 * storing it overlaps its transfer. The operation's module opens it before the input is known,
 * let alone verified; at the call it decides whether to keep what was stored, and anything it
 * does not take over is discarded.
 */
export interface BlobSink {
  /**
   * The blob decoded so far: bytes 0..n of one buffer, each call's view longer than the last.
   * Must not throw nor block: a failure is kept for the call to find.
   */
  progress(decoded: Buffer): void;
  /** Drops whatever was stored, unless the operation took it over. Idempotent; never throws. */
  discard(): Promise<void>;
}

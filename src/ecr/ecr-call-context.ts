import type { BlobSink } from '../common/blob-sink';

/** What an ECR operation handler knows of its call, free of any transport detail. */
export interface EcrCallContext {
  readonly requestId: string;
  /**
   * The registry the call acts on: the caller's account, or another account's whose repository
   * policy allowed the caller this operation on the repository the call names.
   */
  readonly registryId: string;
  /** The caller's account: the access key's, whichever registry the call acts on. */
  readonly accountId: string;
  /** The access key that signed the call. */
  readonly accessKeyId: string;
  /**
   * The sink the operation opened for its blob, when the whole blob went into it as it arrived:
   * its bytes are exactly the input's blob member.
   */
  readonly blobSink?: BlobSink;
}

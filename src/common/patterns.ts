// The ECR API model's patterns for the identifiers every module handles. They are facts of the
// domain (which names, digests and tags exist), not of one wire format: the ECR door validates
// its DTOs with them and the domain answers per-item failures in their terms.

/** The seed page's repository name pattern (it wins over the model's where they differ). */
export const REPOSITORY_NAME_PATTERN =
  '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';
export const REGISTRY_ID_PATTERN = '[0-9]{12}';
export const UPLOAD_ID_PATTERN =
  '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
export const LAYER_DIGEST_PATTERN = '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+';
/** Real ECR enforces this tag pattern on PutImage (it answers it in InvalidParameterException). */
export const IMAGE_TAG_PATTERN = '[a-zA-Z0-9-_.]+';

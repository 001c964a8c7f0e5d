// The names of the constraints the code relies on, as the migrations create them. Code that
// tells one constraint's violation from another's, or names one in ON CONFLICT, uses these.

/** One repository of a name per registry. */
export const REPOSITORIES_REGISTRY_NAME_KEY = 'repositories_registry_name_key';
/** One layer of a digest per repository: the layer uniqueness of CompleteLayerUpload. */
export const LAYERS_REPOSITORY_DIGEST_KEY = 'layers_repository_digest_key';
/** One image of a manifest digest per repository. */
export const IMAGES_REPOSITORY_DIGEST_KEY = 'images_repository_digest_key';

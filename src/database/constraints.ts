// The names of the schema's constraints, as the migrations create them (PostgreSQL's default
// `<table>_<column>_<kind>` names unless a migration chose one). Code that reacts to a violation
// (`isUniqueViolation(err, …)`, `ON CONFLICT ON CONSTRAINT …`) and the entities that describe the
// schema take the names from here; a migration that renames a constraint changes it here too.

// repositories
export const REPOSITORIES_REGISTRY_NAME_KEY = 'repositories_registry_name_key';
export const REPOSITORIES_REGISTRY_ACCOUNT_FKEY = 'repositories_registry_account_fkey';
export const REPOSITORIES_REGISTRY_ID_CHECK = 'repositories_registry_id_check';
export const REPOSITORIES_NAME_CHECK = 'repositories_name_check';

// storage_objects, blob_chunks
export const STORAGE_OBJECTS_DRIVER_CHECK = 'storage_objects_driver_check';
export const BLOB_CHUNKS_STORAGE_KEY_FKEY = 'blob_chunks_storage_key_fkey';

// uploads
export const UPLOADS_STORAGE_KEY_KEY = 'uploads_storage_key_key';
export const UPLOADS_REPOSITORY_ID_FKEY = 'uploads_repository_id_fkey';
export const UPLOADS_STORAGE_KEY_FKEY = 'uploads_storage_key_fkey';
export const UPLOADS_BYTES_RECEIVED_CHECK = 'uploads_bytes_received_check';

// blobs, layers
export const BLOBS_STORAGE_KEY_KEY = 'blobs_storage_key_key';
export const BLOBS_STORAGE_KEY_FKEY = 'blobs_storage_key_fkey';
export const BLOBS_SIZE_CHECK = 'blobs_size_check';
export const LAYERS_REPOSITORY_DIGEST_KEY = 'layers_repository_digest_key';
export const LAYERS_REPOSITORY_ID_FKEY = 'layers_repository_id_fkey';
export const LAYERS_DIGEST_FKEY = 'layers_digest_fkey';

// images, image_tags, image_layers, image_children
export const IMAGES_REPOSITORY_DIGEST_KEY = 'images_repository_digest_key';
export const IMAGES_REPOSITORY_ID_FKEY = 'images_repository_id_fkey';
export const IMAGE_TAGS_REPOSITORY_ID_FKEY = 'image_tags_repository_id_fkey';
export const IMAGE_TAGS_IMAGE_ID_FKEY = 'image_tags_image_id_fkey';
export const IMAGE_LAYERS_IMAGE_ID_FKEY = 'image_layers_image_id_fkey';
export const IMAGE_CHILDREN_IMAGE_ID_FKEY = 'image_children_image_id_fkey';

// accounts, access_keys, master_key_check
export const ACCOUNTS_PKEY = 'accounts_pkey';
export const ACCOUNTS_ID_CHECK = 'accounts_id_check';
export const ACCESS_KEYS_PKEY = 'access_keys_pkey';
export const ACCESS_KEYS_ACCOUNT_ID_FKEY = 'access_keys_account_id_fkey';
export const ACCESS_KEYS_ACCESS_KEY_ID_CHECK = 'access_keys_access_key_id_check';
export const ACCESS_KEYS_STATUS_CHECK = 'access_keys_status_check';
export const MASTER_KEY_CHECK_SINGLETON_CHECK = 'master_key_check_singleton_check';

// lifecycle_policies, lifecycle_policy_previews
export const LIFECYCLE_POLICIES_REPOSITORY_ID_FKEY = 'lifecycle_policies_repository_id_fkey';
export const LIFECYCLE_POLICY_PREVIEWS_REPOSITORY_ID_FKEY =
  'lifecycle_policy_previews_repository_id_fkey';
export const LIFECYCLE_POLICY_PREVIEWS_STATUS_CHECK = 'lifecycle_policy_previews_status_check';

// repository_policies
export const REPOSITORY_POLICIES_REPOSITORY_ID_FKEY = 'repository_policies_repository_id_fkey';

// notification channels (sent by triggers: migrations/1764914400000-LayerChangeNotifications.ts)
export const LAYER_CHANGES_CHANNEL = 'berth_layer_changes';

// gc_reconciliation (the review queues have only their primary keys and indexes)
export const GC_RECONCILIATION_SINGLETON_CHECK = 'gc_reconciliation_singleton_check';
export const GC_RECONCILIATION_STAGE_CHECK = 'gc_reconciliation_stage_check';
/** A template's registry is an account; the account's templates go with it. */
export const REPOSITORY_CREATION_TEMPLATES_REGISTRY_FKEY =
  'repository_creation_templates_registry_fkey';
/** One template per registry and prefix. */
export const REPOSITORY_CREATION_TEMPLATES_PKEY = 'repository_creation_templates_pkey';
// registry_settings, account_settings, pull_time_update_exclusions
export const REGISTRY_SETTINGS_REGISTRY_ID_FKEY = 'registry_settings_registry_id_fkey';
export const ACCOUNT_SETTINGS_REGISTRY_ID_FKEY = 'account_settings_registry_id_fkey';
export const PULL_TIME_UPDATE_EXCLUSIONS_REGISTRY_ID_FKEY =
  'pull_time_update_exclusions_registry_id_fkey';
export const PULL_TIME_UPDATE_EXCLUSIONS_PKEY = 'pull_time_update_exclusions_pkey';
// kms_keys, kms_key_materials, kms_aliases
/** A key belongs to an account; the account's keys go with it. */
export const KMS_KEYS_ACCOUNT_ID_FKEY = 'kms_keys_account_id_fkey';
export const KMS_KEY_MATERIALS_PKEY = 'kms_key_materials_pkey';
/** A key's material goes with the key. */
export const KMS_KEY_MATERIALS_KEY_ID_FKEY = 'kms_key_materials_key_id_fkey';
/** One alias of a name per account: the primary key decides between concurrent creators. */
export const KMS_ALIASES_PKEY = 'kms_aliases_pkey';
export const KMS_ALIASES_ACCOUNT_ID_FKEY = 'kms_aliases_account_id_fkey';
export const KMS_ALIASES_KEY_ID_FKEY = 'kms_aliases_key_id_fkey';
export const KMS_KEYS_PKEY = 'kms_keys_pkey';

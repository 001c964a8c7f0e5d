/** The seed page's repository name pattern (it wins over the model's where they differ). */
export const REPOSITORY_NAME_PATTERN =
  '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';
export const REGISTRY_ID_PATTERN = '[0-9]{12}';

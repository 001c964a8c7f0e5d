/** A repository filter of a configuration: a prefix or a wildcard, as its configuration says. */
export interface RepositoryFilter {
  filter: string;
  filterType: string;
}

export interface ReplicationDestination {
  region: string;
  registryId: string;
}

export interface ReplicationRule {
  destinations: ReplicationDestination[];
  /** Absent when the rule was put without filters (it then covers every repository). */
  repositoryFilters?: RepositoryFilter[];
}

export interface ReplicationConfiguration {
  rules: ReplicationRule[];
}

export interface RegistryScanningRule {
  scanFrequency: string;
  repositoryFilters: RepositoryFilter[];
}

export interface RegistryScanningConfiguration {
  scanType: string;
  rules: RegistryScanningRule[];
}

export interface SigningRule {
  signingProfileArn: string;
  repositoryFilters?: RepositoryFilter[];
}

export interface SigningConfiguration {
  rules: SigningRule[];
}

/** What a registry has put; null where nothing was (or it was deleted). */
export interface RegistrySettingsRecord {
  replicationConfiguration: ReplicationConfiguration | null;
  scanningConfiguration: RegistryScanningConfiguration | null;
  signingConfiguration: SigningConfiguration | null;
  registryPolicy: string | null;
}

export interface PullTimeUpdateExclusion {
  principalArn: string;
  createdAt: Date;
}

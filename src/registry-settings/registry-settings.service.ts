import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import {
  InvalidParameterException,
  LimitExceededException,
} from '../common/errors/registry-exception';
import { ImageDetail, ImageId, ImagesService } from '../images/images.service';
import type { RepositoryEntity } from '../repositories/entities/repository.entity';
import { RepositoriesService } from '../repositories/repositories.service';
import { matchesWildcard } from '../repositories/tag-mutability';
import { checkRegistryPolicy } from './registry-policy';
import {
  ExclusionAlreadyExistsException,
  ExclusionNotFoundException,
  ImageStorageClassUpdateNotSupportedException,
  PullThroughCacheRuleNotFoundException,
  RegistryPolicyNotFoundException,
  ScanNotFoundException,
  SigningConfigurationNotFoundException,
  UnsupportedUpstreamRegistryException,
  ValidationException,
} from './registry-settings.errors';
import { RegistrySettingsRepository } from './registry-settings.repository';
import type {
  PullTimeUpdateExclusion,
  RegistryScanningConfiguration,
  RepositoryFilter,
  ReplicationConfiguration,
  SigningConfiguration,
} from './registry-settings.types';

/**
 * The account settings ECR knows, with the values each takes and the value of one never put.
 * BLOB_MOUNTING is opt-in in AWS; Berth mounted blobs before the setting existed and keeps doing
 * so until an account disables it (docs/ecr-compatibility.md).
 */
export const ACCOUNT_SETTINGS: Readonly<
  Record<string, { values: readonly string[]; default: string }>
> = {
  BASIC_SCAN_TYPE_VERSION: { values: ['AWS_NATIVE', 'CLAIR'], default: 'AWS_NATIVE' },
  REGISTRY_POLICY_SCOPE: { values: ['V1', 'V2'], default: 'V2' },
  BLOB_MOUNTING: { values: ['ENABLED', 'DISABLED'], default: 'ENABLED' },
};

/** ECR's quota of unique replication destinations across all rules. */
export const MAX_REPLICATION_DESTINATIONS = 25;
/** As many exclusions as one page of ListPullTimeUpdateExclusions holds (the model's list). */
export const MAX_PULL_TIME_UPDATE_EXCLUSIONS = 100;

export interface RepositoryScanning {
  repository: RepositoryEntity;
  scanOnPush: boolean;
  scanFrequency: string;
  appliedScanFilters: RepositoryFilter[];
}

/** A repository Berth found, or the name of one it did not. */
export type ScanningLookup = RepositoryScanning | { missing: string };

const notInBerth = (what: string): string => `${what} is not available in Berth`;

/**
 * A registry's own settings: replication, scanning and signing configurations, the registry
 * policy, account settings and pull time update exclusions. What Berth stores it answers back
 * exactly; what Berth cannot do (scanning, replication, signing, pull through cache, storage
 * classes) is said so, never faked.
 */
@Injectable()
export class RegistrySettingsService {
  constructor(
    private readonly settings: RegistrySettingsRepository,
    private readonly repositories: RepositoriesService,
    private readonly images: ImagesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // Replication.

  async replicationConfiguration(registryId: string): Promise<ReplicationConfiguration> {
    return (await this.settings.find(registryId))?.replicationConfiguration ?? { rules: [] };
  }

  async putReplicationConfiguration(
    registryId: string,
    configuration: ReplicationConfiguration,
  ): Promise<ReplicationConfiguration> {
    const unique = new Set<string>();
    for (const rule of configuration.rules) {
      for (const d of rule.destinations) {
        if (d.registryId === registryId && d.region === this.config.region) {
          throw InvalidParameterException.constraint(
            'replicationConfiguration',
            'Replication destination cannot be the same as the source registry',
          );
        }
        unique.add(`${d.region}/${d.registryId}`);
      }
    }
    if (unique.size > MAX_REPLICATION_DESTINATIONS) {
      throw InvalidParameterException.constraint(
        'replicationConfiguration',
        `The number of unique destinations across all rules must not exceed ${MAX_REPLICATION_DESTINATIONS}`,
      );
    }
    await this.settings.put(registryId, 'replication_configuration', configuration);
    return configuration;
  }

  /**
   * Where the image would be replicated, each destination FAILED with a failure code that says
   * Berth does not replicate: truthful, where IN_PROGRESS or COMPLETE would not be.
   */
  async imageReplicationStatus(
    registryId: string,
    repositoryName: string,
    imageId: ImageId,
  ): Promise<{ image: ImageDetail; destinations: { region: string; registryId: string }[] }> {
    const [image] = await this.images.describeNamed(registryId, repositoryName, [imageId]);
    const { rules } = await this.replicationConfiguration(registryId);
    const destinations = new Map<string, { region: string; registryId: string }>();
    for (const rule of rules) {
      const covered =
        !rule.repositoryFilters ||
        rule.repositoryFilters.some((f) => repositoryName.startsWith(f.filter));
      if (!covered) continue;
      for (const d of rule.destinations) destinations.set(`${d.region}/${d.registryId}`, d);
    }
    return { image, destinations: [...destinations.values()] };
  }

  // Scanning.

  async scanningConfiguration(registryId: string): Promise<RegistryScanningConfiguration> {
    return (
      (await this.settings.find(registryId))?.scanningConfiguration ?? {
        scanType: 'BASIC',
        rules: [],
      }
    );
  }

  async putScanningConfiguration(
    registryId: string,
    configuration: RegistryScanningConfiguration,
  ): Promise<RegistryScanningConfiguration> {
    const frequencies = new Set<string>();
    for (const rule of configuration.rules) {
      if (configuration.scanType === 'BASIC' && rule.scanFrequency === 'CONTINUOUS_SCAN') {
        throw InvalidParameterException.constraint(
          'rules',
          'CONTINUOUS_SCAN is supported only with scan type ENHANCED',
        );
      }
      if (frequencies.has(rule.scanFrequency)) {
        throw InvalidParameterException.constraint(
          'rules',
          `Only one rule may use scan frequency ${rule.scanFrequency}`,
        );
      }
      frequencies.add(rule.scanFrequency);
    }
    await this.settings.put(registryId, 'scanning_configuration', configuration);
    return configuration;
  }

  async setScanOnPush(
    registryId: string,
    repositoryName: string,
    scanOnPush: boolean,
  ): Promise<RepositoryEntity> {
    return this.repositories.setScanOnPush(registryId, repositoryName, scanOnPush);
  }

  /**
   * Each repository's effective scanning: a registry rule whose filter matches its name decides
   * (the first such rule, with the filters that matched), else the repository's own scanOnPush.
   */
  async repositoryScanning(registryId: string, names: string[]): Promise<ScanningLookup[]> {
    const { rules } = await this.scanningConfiguration(registryId);
    const byName = new Map<string, RepositoryEntity>();
    for (const name of new Set(names)) {
      const r = await this.repositories.require(registryId, name).catch(() => undefined);
      if (r) byName.set(r.name, r);
    }
    const seen = new Set<string>();
    const out: ScanningLookup[] = [];
    for (const name of names) {
      if (seen.has(name)) continue;
      seen.add(name);
      const repository = byName.get(name);
      if (!repository) {
        out.push({ missing: name });
        continue;
      }
      const rule = rules.find((r) =>
        r.repositoryFilters.some((f) => matchesWildcard(f.filter, name)),
      );
      out.push(
        rule
          ? {
              repository,
              scanOnPush: rule.scanFrequency === 'SCAN_ON_PUSH',
              scanFrequency: rule.scanFrequency,
              appliedScanFilters: rule.repositoryFilters.filter((f) =>
                matchesWildcard(f.filter, name),
              ),
            }
          : {
              repository,
              scanOnPush: repository.scanOnPush,
              scanFrequency: repository.scanOnPush ? 'SCAN_ON_PUSH' : 'MANUAL',
              appliedScanFilters: [],
            },
      );
    }
    return out;
  }

  /** Berth has no scanner: a scan cannot be started (after the image is found). */
  async startImageScan(
    registryId: string,
    repositoryName: string,
    imageId: ImageId,
  ): Promise<never> {
    await this.images.describeNamed(registryId, repositoryName, [imageId]);
    throw new ValidationException(
      `${notInBerth('Image scanning')}: it has no vulnerability scanner, so no scan can be started for the image in the repository with name '${repositoryName}' in the registry with id '${registryId}'`,
    );
  }

  /** Berth has no scanner: no image has a scan (after the image is found). */
  async imageScanFindings(
    registryId: string,
    repositoryName: string,
    imageId: ImageId,
  ): Promise<never> {
    await this.images.describeNamed(registryId, repositoryName, [imageId]);
    throw new ScanNotFoundException(
      `Image scan does not exist for the image with '{imageDigest:'${imageId.imageDigest ?? 'null'}', imageTag:'${imageId.imageTag ?? 'null'}'}' in the repository with name '${repositoryName}' in the registry with id '${registryId}': image scanning is not available in Berth`,
    );
  }

  // The registry policy.

  async registryPolicy(registryId: string): Promise<string> {
    const policy = (await this.settings.find(registryId))?.registryPolicy;
    if (policy === null || policy === undefined)
      throw RegistryPolicyNotFoundException.of(registryId);
    return policy;
  }

  async putRegistryPolicy(registryId: string, policyText: string): Promise<string> {
    checkRegistryPolicy(policyText);
    await this.settings.put(registryId, 'registry_policy', policyText);
    return policyText;
  }

  async deleteRegistryPolicy(registryId: string): Promise<string> {
    const old = await this.settings.clear<string>(registryId, 'registry_policy');
    if (old === undefined) throw RegistryPolicyNotFoundException.of(registryId);
    return old;
  }

  // Account settings.

  private setting(name: string): { values: readonly string[]; default: string } {
    const setting = Object.hasOwn(ACCOUNT_SETTINGS, name) ? ACCOUNT_SETTINGS[name] : undefined;
    if (!setting) {
      throw new ValidationException(
        `Invalid account setting name '${name}'. Valid names are ${Object.keys(ACCOUNT_SETTINGS).join(', ')}`,
      );
    }
    return setting;
  }

  async accountSetting(registryId: string, name: string): Promise<string> {
    const setting = this.setting(name);
    return (await this.settings.accountSetting(registryId, name)) ?? setting.default;
  }

  async putAccountSetting(registryId: string, name: string, value: string): Promise<string> {
    const setting = this.setting(name);
    if (!setting.values.includes(value)) {
      throw new ValidationException(
        `Invalid value '${value}' for account setting ${name}. Valid values are ${setting.values.join(', ')}`,
      );
    }
    await this.settings.putAccountSetting(registryId, name, value);
    return value;
  }

  /** Whether a /v2 push may mount a blob of another repository of the registry. */
  async blobMountingEnabled(registryId: string): Promise<boolean> {
    return (await this.accountSetting(registryId, 'BLOB_MOUNTING')) === 'ENABLED';
  }

  // Pull time update exclusions.

  async registerExclusion(
    registryId: string,
    principalArn: string,
  ): Promise<PullTimeUpdateExclusion> {
    const added = await this.settings.insertExclusion(
      registryId,
      principalArn,
      MAX_PULL_TIME_UPDATE_EXCLUSIONS,
    );
    if (added === 'full') {
      throw new LimitExceededException(
        `The registry with id '${registryId}' already has the maximum of ${MAX_PULL_TIME_UPDATE_EXCLUSIONS} pull time update exclusions`,
      );
    }
    if (!added) {
      throw new ExclusionAlreadyExistsException(
        `The principal '${principalArn}' is already excluded from pull time updates in the registry with id '${registryId}'`,
      );
    }
    return added;
  }

  async deregisterExclusion(registryId: string, principalArn: string): Promise<void> {
    if (!(await this.settings.deleteExclusion(registryId, principalArn))) {
      throw new ExclusionNotFoundException(
        `The principal '${principalArn}' is not excluded from pull time updates in the registry with id '${registryId}'`,
      );
    }
  }

  listExclusions(
    registryId: string,
    limit: number,
    after?: string,
  ): Promise<PullTimeUpdateExclusion[]> {
    return this.settings.pageExclusions(registryId, limit, after);
  }

  // Signing.

  async signingConfiguration(registryId: string): Promise<SigningConfiguration> {
    const configuration = (await this.settings.find(registryId))?.signingConfiguration;
    if (!configuration) throw this.noSigningConfiguration(registryId);
    return configuration;
  }

  async putSigningConfiguration(
    registryId: string,
    configuration: SigningConfiguration,
  ): Promise<SigningConfiguration> {
    await this.settings.put(registryId, 'signing_configuration', configuration);
    return configuration;
  }

  async deleteSigningConfiguration(registryId: string): Promise<SigningConfiguration> {
    const old = await this.settings.clear<SigningConfiguration>(
      registryId,
      'signing_configuration',
    );
    if (!old) throw this.noSigningConfiguration(registryId);
    return old;
  }

  private noSigningConfiguration(registryId: string): SigningConfigurationNotFoundException {
    return new SigningConfigurationNotFoundException(
      `Signing configuration does not exist in the registry with id '${registryId}'`,
    );
  }

  /** Berth signs nothing: no image has a signing status (after the image is found). */
  async imageSigningStatus(
    registryId: string,
    repositoryName: string,
    imageId: ImageId,
  ): Promise<never> {
    await this.images.describeNamed(registryId, repositoryName, [imageId]);
    throw new ValidationException(
      `${notInBerth('Image signing')}: it signs no images, so the image has no signing status`,
    );
  }

  // What Berth does not have.

  async updateImageStorageClass(
    registryId: string,
    repositoryName: string,
    imageId: ImageId,
  ): Promise<never> {
    await this.images.describeNamed(registryId, repositoryName, [imageId]);
    throw new ImageStorageClassUpdateNotSupportedException(
      'Image storage classes are not available in Berth: every image is stored in the STANDARD class',
    );
  }

  createPullThroughCacheRule(): never {
    throw new UnsupportedUpstreamRegistryException(
      `${notInBerth('Pull through cache')}: no upstream registry is supported`,
    );
  }

  /** Berth has no pull through cache rule: none of the prefixes names one. */
  pullThroughCacheRuleNotFound(registryId: string, prefix: string): never {
    throw new PullThroughCacheRuleNotFoundException(
      `The pull through cache rule with prefix '${prefix}' does not exist in the registry with id '${registryId}': pull through cache is not available in Berth`,
    );
  }
}

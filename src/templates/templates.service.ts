import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  InvalidParameterException,
  LimitExceededException,
} from '../common/errors/registry-exception';
import { parseLifecyclePolicy } from '../lifecycle/lifecycle-policy';
import { LifecycleService } from '../lifecycle/lifecycle.service';
import type { RepositoryTag } from '../repositories/entities/repository.entity';
import { PoliciesService } from '../policies/policies.service';
import { RepositoriesService } from '../repositories/repositories.service';
import {
  checkTagMutability,
  type ImageTagMutability,
  type TagMutabilityExclusionFilter,
} from '../repositories/tag-mutability';
import { checkTags } from '../repositories/tags';
import { candidatePrefixes, templateFor } from './template-prefix';
import { TemplateAlreadyExistsException, TemplateNotFoundException } from './templates.errors';
import { TemplateRecord, TemplateSettings, TemplatesRepository } from './templates.repository';

export type { TemplateRecord } from './templates.repository';

/** What a template is applied for. */
export const TEMPLATE_PURPOSES = ['REPLICATION', 'PULL_THROUGH_CACHE', 'CREATE_ON_PUSH'] as const;
export type TemplatePurpose = (typeof TEMPLATE_PURPOSES)[number];

/** At most this many templates in one registry (Berth's bound; AWS documents none). */
export const MAX_TEMPLATES_PER_REGISTRY = 100;

/** A template's settings as a caller gives them; on update, an absent member keeps its value. */
export interface TemplateInput {
  description?: string;
  appliedFor?: TemplatePurpose[];
  encryptionConfiguration?: { encryptionType: string; kmsKey?: string };
  resourceTags?: RepositoryTag[];
  imageTagMutability?: ImageTagMutability;
  imageTagMutabilityExclusionFilters?: TagMutabilityExclusionFilter[];
  repositoryPolicy?: string;
  lifecyclePolicy?: string;
  customRoleArn?: string;
}

export interface TemplatePage {
  templates: TemplateRecord[];
  /** The prefix of the last template, when more follow it. */
  lastPrefix?: string;
}

const noNul = (member: string, value: string | null | undefined): void => {
  // PostgreSQL text cannot hold U+0000.
  if (value?.includes('\u0000')) {
    throw InvalidParameterException.constraint(member, 'must not contain the character U+0000');
  }
};

/**
 * `base` with `input` applied and checked: tags as a repository's, mutability with its filters,
 * the lifecycle policy as PutLifecyclePolicy checks it, the repository policy as JSON. An empty
 * policy text is no policy. Given a new mutability and no filters, the template has none.
 */
function settingsOf(base: TemplateSettings, input: TemplateInput): TemplateSettings {
  const out: TemplateSettings = { ...base };
  if (input.description !== undefined) out.description = input.description;
  if (input.appliedFor !== undefined) {
    if (input.appliedFor.length === 0) {
      throw InvalidParameterException.constraint('appliedFor', 'must contain at least one value');
    }
    out.appliedFor = [...new Set(input.appliedFor)];
  }
  if (input.encryptionConfiguration !== undefined) {
    out.encryptionType = input.encryptionConfiguration.encryptionType;
    out.kmsKey = input.encryptionConfiguration.kmsKey || null;
    if (out.encryptionType === 'AES256' && out.kmsKey) {
      throw InvalidParameterException.constraint(
        'encryptionConfiguration.kmsKey',
        'must not be given when encryptionType is AES256',
      );
    }
  }
  if (input.resourceTags !== undefined) out.resourceTags = checkTags(input.resourceTags);
  if (input.imageTagMutability !== undefined) {
    out.imageTagMutability = input.imageTagMutability;
    out.imageTagMutabilityExclusionFilters = input.imageTagMutabilityExclusionFilters ?? [];
  } else if (input.imageTagMutabilityExclusionFilters !== undefined) {
    out.imageTagMutabilityExclusionFilters = input.imageTagMutabilityExclusionFilters;
  }
  out.imageTagMutabilityExclusionFilters = checkTagMutability(
    out.imageTagMutability as ImageTagMutability,
    out.imageTagMutabilityExclusionFilters,
  );
  if (input.lifecyclePolicy !== undefined) {
    out.lifecyclePolicy = input.lifecyclePolicy === '' ? null : input.lifecyclePolicy;
    if (out.lifecyclePolicy !== null) parseLifecyclePolicy(out.lifecyclePolicy);
  }
  if (input.repositoryPolicy !== undefined) {
    out.repositoryPolicy = input.repositoryPolicy === '' ? null : input.repositoryPolicy;
    if (out.repositoryPolicy !== null) checkPolicyJson(out.repositoryPolicy);
  }
  if (input.customRoleArn !== undefined) out.customRoleArn = input.customRoleArn || null;
  noNul('description', out.description);
  noNul('encryptionConfiguration.kmsKey', out.kmsKey);
  noNul('repositoryPolicy', out.repositoryPolicy);
  noNul('customRoleArn', out.customRoleArn);
  return out;
}

/** A repository policy is a JSON object; its statements are checked where policies are enforced. */
function checkPolicyJson(text: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw InvalidParameterException.constraint('repositoryPolicy', 'Invalid JSON syntax');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw InvalidParameterException.constraint('repositoryPolicy', 'must be a JSON object');
  }
}

const DEFAULTS: TemplateSettings = {
  description: null,
  appliedFor: [],
  encryptionType: null,
  kmsKey: null,
  resourceTags: [],
  imageTagMutability: 'MUTABLE',
  imageTagMutabilityExclusionFilters: [],
  repositoryPolicy: null,
  lifecyclePolicy: null,
  customRoleArn: null,
};

/**
 * Repository creation templates of a registry, and the repositories created from them: a
 * repository Berth creates for a purpose (a push to a missing repository, for CREATE_ON_PUSH)
 * takes the settings of the template whose prefix matches its name best.
 */
@Injectable()
export class TemplatesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly templates: TemplatesRepository,
    private readonly repositories: RepositoriesService,
    private readonly lifecycle: LifecycleService,
    private readonly policies: PoliciesService,
  ) {}

  async create(
    registryId: string,
    prefix: string,
    input: TemplateInput & { appliedFor: TemplatePurpose[] },
  ): Promise<TemplateRecord> {
    const settings = settingsOf(DEFAULTS, input);
    noNul('prefix', prefix);
    this.checkPolicy(registryId, prefix, settings);
    return this.dataSource.transaction(async (m) => {
      await this.templates.serialiseCreations(m, registryId);
      if (await this.templates.find(registryId, prefix, m)) {
        throw TemplateAlreadyExistsException.of(registryId, prefix);
      }
      if ((await this.templates.count(m, registryId)) >= MAX_TEMPLATES_PER_REGISTRY) {
        throw new LimitExceededException(
          `The registry with id '${registryId}' already has the maximum of ${MAX_TEMPLATES_PER_REGISTRY} repository creation templates`,
        );
      }
      const created = await this.templates.insert(m, registryId, prefix, settings);
      if (!created) throw TemplateAlreadyExistsException.of(registryId, prefix);
      return created;
    });
  }

  /** Changes the members `input` gives; the template's row is held while it is read and written. */
  async update(registryId: string, prefix: string, input: TemplateInput): Promise<TemplateRecord> {
    return this.dataSource.transaction(async (m) => {
      const current = await this.templates.find(registryId, prefix, m, true);
      if (!current) throw TemplateNotFoundException.of(registryId, prefix);
      const settings = settingsOf(current, input);
      this.checkPolicy(registryId, prefix, settings);
      return this.templates.update(m, registryId, prefix, settings);
    });
  }

  /** A template's repository policy is one Berth can evaluate for the repositories it creates. */
  private checkPolicy(registryId: string, prefix: string, settings: TemplateSettings): void {
    if (settings.repositoryPolicy === null) return;
    this.policies.checkTemplatePolicy(registryId, prefix, settings.repositoryPolicy);
  }

  async delete(registryId: string, prefix: string): Promise<TemplateRecord> {
    const deleted = await this.templates.delete(registryId, prefix);
    if (!deleted) throw TemplateNotFoundException.of(registryId, prefix);
    return deleted;
  }

  /** A page of the registry's templates by prefix (only those of `prefixes` when given). */
  async list(
    registryId: string,
    prefixes: string[] | undefined,
    limit: number,
    after?: string,
  ): Promise<TemplatePage> {
    const rows = await this.templates.page(registryId, prefixes, limit + 1, after);
    const templates = rows.slice(0, limit);
    return rows.length > limit
      ? { templates, lastPrefix: templates[templates.length - 1].prefix }
      : { templates };
  }

  /** The template a repository `name` created for `purpose` takes, if any. */
  async templateFor(
    registryId: string,
    name: string,
    purpose: TemplatePurpose,
  ): Promise<TemplateRecord | undefined> {
    const found = await this.templates.findApplying(registryId, candidatePrefixes(name), purpose);
    const prefix = templateFor(
      found.map((t) => t.prefix),
      name,
    );
    return found.find((t) => t.prefix === prefix);
  }

  /**
   * Makes sure a repository a push names exists: when it does not and a CREATE_ON_PUSH template
   * applies, creates it from the template, its tags, mutability, encryption and lifecycle policy
   * in one transaction. Concurrent pushes of one new repository (on any instance) all go on: one
   * creates it, the others find it. Without a template nothing happens, and the push answers as
   * for any missing repository.
   */
  async prepareForPush(registryId: string, name: string): Promise<void> {
    if (await this.repositories.exists(registryId, name)) return;
    const template = await this.templateFor(registryId, name, 'CREATE_ON_PUSH');
    if (!template) return;
    await this.dataSource.transaction(async (m) => {
      const repo = await this.repositories.createIfAbsent(
        {
          registryId,
          name,
          imageTagMutability: template.imageTagMutability as ImageTagMutability,
          imageTagMutabilityExclusionFilters: template.imageTagMutabilityExclusionFilters,
          encryptionType: template.encryptionType ?? undefined,
          kmsKey: template.kmsKey ?? undefined,
          tags: template.resourceTags,
        },
        m,
      );
      if (repo && template.lifecyclePolicy !== null) {
        await this.lifecycle.putPolicyOfNew(m, repo.id, template.lifecyclePolicy);
      }
      if (repo && template.repositoryPolicy !== null) {
        await this.policies.putPolicyOfNew(m, registryId, repo, template.repositoryPolicy);
      }
    });
  }
}

import { principalArnOf } from '../auth/principal';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { accessDenied } from '../auth/auth.errors';
import { AccessDeniedException } from '../common/errors/registry-exception';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RepositoriesService } from '../repositories/repositories.service';
import { RepositoryPolicyNotFoundException } from './policies.errors';
import { PoliciesRepository, RepositoryWithPolicy } from './policies.repository';
import {
  evaluateRepositoryPolicy,
  parseRepositoryPolicy,
  type PolicyDecision,
} from './policy-document';

/** Who asks: the account of the access key, and the key. */
export interface PolicyPrincipal {
  readonly accountId: string;
  readonly accessKeyId: string;
}

/**
 * Repository policies: stored exactly as set, and the one place that decides whether a caller
 * of another account may perform an action on a repository (`authorize`, called by every door
 * before it acts on another account's registry). A caller of the repository's own account is
 * never asked about: Berth has no IAM users with policies of their own, so an account's keys
 * have every permission on its repositories, whatever their policies say.
 *
 * Nothing is cached: each call of another account reads the policy as committed, so a change
 * holds on every instance from the moment SetRepositoryPolicy or DeleteRepositoryPolicy answers.
 */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: PoliciesRepository,
    private readonly repositories: RepositoriesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The ARN of a repository, the resource its policy speaks of. */
  repositoryArn(registryId: string, repositoryName: string): string {
    return `arn:aws:ecr:${this.config.region}:${registryId}:repository/${repositoryName}`;
  }

  /**
   * Validates and stores the repository's policy, replacing any other; the text is kept exactly
   * as given. `force` is accepted and changes nothing: no policy can lock the repository's own
   * account out of setting another (see the class), so none needs forcing.
   */
  async setPolicy(registryId: string, repositoryName: string, policyText: string): Promise<void> {
    parseRepositoryPolicy(policyText, this.repositoryArn(registryId, repositoryName));
    await this.dataSource.transaction(async (m) => {
      const repo = await this.repositories.require(registryId, repositoryName, m, 'share');
      await this.policies.upsertPolicy(m, repo.id, policyText);
    });
  }

  /**
   * Checks a repository policy a creation template will give the repositories it creates under
   * `prefix`, as SetRepositoryPolicy would check it for them: a `Resource` must name those
   * repositories (`…:repository/<prefix>/*`, or `*`), since which one is not known yet.
   */
  checkTemplatePolicy(registryId: string, prefix: string, policyText: string): void {
    const under = prefix === 'ROOT' ? '*' : `${prefix.replace(/\/$/, '')}/*`;
    parseRepositoryPolicy(policyText, this.repositoryArn(registryId, under));
  }

  /** Gives a repository created in the transaction `m` its first policy (from a template). */
  async putPolicyOfNew(
    m: EntityManager,
    registryId: string,
    repository: { id: string; name: string },
    policyText: string,
  ): Promise<void> {
    parseRepositoryPolicy(policyText, this.repositoryArn(registryId, repository.name));
    await this.policies.upsertPolicy(m, repository.id, policyText);
  }

  async getPolicy(registryId: string, repositoryName: string): Promise<string> {
    const repo = await this.repositories.require(registryId, repositoryName);
    const text = await this.policies.findPolicyText(repo.id);
    if (text === undefined) throw RepositoryPolicyNotFoundException.of(registryId, repositoryName);
    return text;
  }

  /** Deletes the repository's policy and answers its text. */
  async deletePolicy(registryId: string, repositoryName: string): Promise<string> {
    return this.dataSource.transaction(async (m) => {
      const repo = await this.repositories.require(registryId, repositoryName, m, 'share');
      const text = await this.policies.deletePolicy(m, repo.id);
      if (text === undefined)
        throw RepositoryPolicyNotFoundException.of(registryId, repositoryName);
      return text;
    });
  }

  /**
   * Whether `caller` may perform `operation` (an action's name without `ecr:`) on the repository
   * `repositoryName` of `registryId`: always in its own account; in another one exactly when the
   * repository's policy allows it and denies it nothing. Otherwise AccessDeniedException, the
   * same whether the repository exists or not (a caller learns nothing of another account's
   * repositories from a refusal).
   */
  async authorize(
    caller: PolicyPrincipal,
    registryId: string,
    repositoryName: string,
    operation: string,
  ): Promise<void> {
    if (caller.accountId === registryId) return;
    const repo = await this.policies.findByName(registryId, repositoryName);
    this.decide(caller, registryId, repositoryName, repo, operation);
  }

  /** As `authorize`, of the repository by its id (a download URL names it so). */
  async authorizeRepositoryId(
    caller: PolicyPrincipal,
    repositoryId: string,
    operation: string,
  ): Promise<void> {
    const repo = await this.policies.findById(repositoryId);
    // A repository that is gone is refused where the caller's grant is read.
    if (!repo || repo.registryId === caller.accountId) return;
    this.decide(caller, repo.registryId, repo.repositoryName, repo, operation);
  }

  private decide(
    caller: PolicyPrincipal,
    registryId: string,
    repositoryName: string,
    repo: RepositoryWithPolicy | undefined,
    operation: string,
  ): void {
    const arn = this.repositoryArn(registryId, repositoryName);
    let decision: PolicyDecision = 'none';
    if (repo?.policyText != null) {
      decision = evaluateRepositoryPolicy(
        parseRepositoryPolicy(repo.policyText, arn),
        {
          account: caller.accountId,
          principalArn: principalArnOf(caller.accountId, caller.accessKeyId),
        },
        `ecr:${operation}`,
      );
    }
    if (decision === 'allow') return;
    if (decision === 'deny') {
      throw new AccessDeniedException(
        `User: ${principalArnOf(caller.accountId, caller.accessKeyId)} is not authorized to perform: ecr:${operation} on resource: ${arn} with an explicit deny in a resource-based policy`,
      );
    }
    throw accessDenied(caller.accountId, caller.accessKeyId, operation, arn);
  }
}

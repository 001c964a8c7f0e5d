import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { isForeignKeyViolation } from '../common/database-errors';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { GarbageCollectorService, KeptImage } from '../gc/garbage-collector.service';
import { ROOT_LOGGER } from '../logging/logger';
import { RepositoriesService } from '../repositories/repositories.service';
import { RepositoryNotFoundException } from '../repositories/repositories.errors';
import {
  ExpiredImage,
  ExpiryPlan,
  parseLifecyclePolicy,
  planLifecycleExpiry,
} from './lifecycle-policy';
import {
  pagePreviewResults,
  PREVIEW_STALE_SECONDS,
  PreviewResult,
  previewStatus,
  PreviewStatus,
} from './lifecycle-preview';
import { LifecycleRepository } from './lifecycle.repository';
import {
  LifecyclePolicyNotFoundException,
  LifecyclePolicyPreviewInProgressException,
  LifecyclePolicyPreviewNotFoundException,
} from './lifecycle.errors';

export interface LifecyclePolicyView {
  policyText: string;
  lastEvaluatedAt?: Date;
}

export interface PreviewQuery {
  /** Only results of these images (by digest, or by one of their tags). */
  imageIds?: { imageDigest?: string; imageTag?: string }[];
  tagStatus?: 'TAGGED' | 'UNTAGGED' | 'ANY';
  limit: number;
  /** Where the previous page ended, in the preview started at `startedAt` (epoch ms). */
  after?: { startedAt: number; offset: number };
}

export interface PreviewPage {
  policyText: string;
  status: PreviewStatus;
  /** When the preview started: a page position holds only within one preview. */
  startedAt: Date;
  results: PreviewResult[];
  /** How many images the whole preview expires (COMPLETE or EXPIRED only). */
  expiringImageTotalCount?: number;
  /** The position after this page, when more results follow it. */
  nextOffset?: number;
}

/** What one evaluation of one repository's policy expired (or, in a dry run, would expire). */
export interface RepositoryEvaluation {
  repositoryId: string;
  registryId: string;
  repositoryName: string;
  expired: ExpiredImage[];
  /** Images the policy selected but that stayed: an index references them, or they were gone. */
  kept: KeptImage[];
}

export interface LifecycleRunReport {
  dryRun: boolean;
  /** Images expired over every repository. */
  images: number;
  repositories: RepositoryEvaluation[];
  /** Repositories another instance was evaluating at that moment: left to it. */
  skipped: number;
  /** Repositories whose evaluation failed (logged): nothing of theirs changed, retried later. */
  failed: number;
}

interface StoredResult {
  imageDigest: string;
  imageTags: string[];
  imagePushedAt: string;
  appliedRulePriority: number;
}

function toStored(image: ExpiredImage): StoredResult {
  return {
    imageDigest: image.imageDigest,
    imageTags: [...image.imageTags],
    imagePushedAt: image.imagePushedAt.toISOString(),
    appliedRulePriority: image.appliedRulePriority,
  };
}

function fromStored(results: unknown): PreviewResult[] {
  return (Array.isArray(results) ? (results as StoredResult[]) : []).map((r) => ({
    imageDigest: r.imageDigest,
    imageTags: r.imageTags,
    imagePushedAt: new Date(r.imagePushedAt),
    appliedRulePriority: r.appliedRulePriority,
  }));
}

/**
 * Lifecycle policies of repositories: storing them, previewing them, and evaluating them on
 * every instance, one instance per repository at a time (the policy row is the claim). Preview
 * and evaluation both answer `planLifecycleExpiry` over a snapshot of the repository's images,
 * and the evaluation expires through `GarbageCollectorService.expireImagesIn`, the deletion
 * BatchDeleteImage's rules apply to.
 */
@Injectable()
export class LifecycleService implements OnApplicationShutdown {
  private readonly previews = new Set<Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly lifecycle: LifecycleRepository,
    private readonly repositories: RepositoriesService,
    private readonly collector: GarbageCollectorService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Validates and stores the repository's policy; the text is kept exactly as given. */
  async putPolicy(registryId: string, repositoryName: string, policyText: string): Promise<void> {
    parseLifecyclePolicy(policyText);
    await this.dataSource.transaction(async (m) => {
      const repo = await this.repositories.require(registryId, repositoryName, m, 'share');
      await this.lifecycle.upsertPolicy(m, repo.id, policyText);
    });
  }

  /**
   * Validates and stores the policy of a repository the transaction of `m` has just created
   * (nothing else can hold its row yet).
   */
  async putPolicyOfNew(m: EntityManager, repositoryId: string, policyText: string): Promise<void> {
    parseLifecyclePolicy(policyText);
    await this.lifecycle.upsertPolicy(m, repositoryId, policyText);
  }

  async getPolicy(registryId: string, repositoryName: string): Promise<LifecyclePolicyView> {
    const repo = await this.repositories.require(registryId, repositoryName);
    const row = await this.lifecycle.findPolicy(repo.id);
    if (!row) throw LifecyclePolicyNotFoundException.of(registryId, repositoryName);
    return viewOf(row);
  }

  async deletePolicy(registryId: string, repositoryName: string): Promise<LifecyclePolicyView> {
    return this.dataSource.transaction(async (m) => {
      const repo = await this.repositories.require(registryId, repositoryName, m, 'share');
      const row = await this.lifecycle.deletePolicy(m, repo.id);
      if (!row) throw LifecyclePolicyNotFoundException.of(registryId, repositoryName);
      return viewOf(row);
    });
  }

  /**
   * Starts a preview of `policyText` (the repository's policy when absent) and computes it in
   * the background on this instance; GetLifecyclePolicyPreview answers it once COMPLETE.
   */
  async startPreview(
    registryId: string,
    repositoryName: string,
    policyText?: string,
  ): Promise<{ policyText: string; status: PreviewStatus }> {
    const repo = await this.repositories.require(registryId, repositoryName);
    let text = policyText;
    if (text === undefined) {
      text = (await this.lifecycle.findPolicy(repo.id))?.policyText;
      if (text === undefined) throw LifecyclePolicyNotFoundException.of(registryId, repositoryName);
    }
    const policy = parseLifecyclePolicy(text);
    let startedAt: Date | undefined;
    try {
      startedAt = await this.lifecycle.startPreview(repo.id, text, PREVIEW_STALE_SECONDS);
    } catch (err) {
      if (isForeignKeyViolation(err))
        throw RepositoryNotFoundException.of(registryId, repositoryName);
      throw err;
    }
    if (!startedAt) throw LifecyclePolicyPreviewInProgressException.of(registryId, repositoryName);
    const started = startedAt;
    const work = this.computePreview(repo.id, started, policy)
      .catch(async (err: unknown) => {
        this.logger.warn({ err, repositoryId: repo.id }, 'lifecycle policy preview failed');
        await this.lifecycle.finishPreview(repo.id, started, 'FAILED', []);
      })
      .catch((err: unknown) =>
        this.logger.warn({ err, repositoryId: repo.id }, 'recording a failed preview failed'),
      )
      .finally(() => this.previews.delete(work));
    this.previews.add(work);
    return { policyText: text, status: 'IN_PROGRESS' };
  }

  private async computePreview(
    repositoryId: string,
    startedAt: Date,
    policy: ReturnType<typeof parseLifecyclePolicy>,
  ): Promise<void> {
    // Deferred, so that the answer to StartLifecyclePolicyPreview never waits for it.
    await new Promise((resolve) => setImmediate(resolve));
    const plan = await this.dataSource.transaction(async (m) => {
      // As an evaluation does: the repository held, its images read in one statement.
      if (!(await this.lifecycle.holdRepository(m, repositoryId))) return undefined;
      return this.plan(m, repositoryId, policy);
    });
    if (!plan) return;
    await this.lifecycle.finishPreview(
      repositoryId,
      startedAt,
      'COMPLETE',
      plan.expire.map(toStored),
    );
  }

  async getPreview(
    registryId: string,
    repositoryName: string,
    query: PreviewQuery,
  ): Promise<PreviewPage> {
    const repo = await this.repositories.require(registryId, repositoryName);
    const row = await this.lifecycle.findPreview(repo.id);
    if (!row) throw LifecyclePolicyPreviewNotFoundException.of(registryId, repositoryName);
    const status = previewStatus(row.status, row.ageSeconds);
    if (query.after && query.after.startedAt !== row.createdAt.getTime()) {
      throw InvalidParameterException.constraint(
        'nextToken',
        'must be a token returned by a previous call for the current preview',
      );
    }
    const page: PreviewPage = {
      policyText: row.policyText,
      status,
      startedAt: row.createdAt,
      results: [],
    };
    if (status !== 'COMPLETE' && status !== 'EXPIRED') return page;
    const all = fromStored(row.results);
    page.expiringImageTotalCount = all.length;
    const { page: results, nextOffset } = pagePreviewResults(all, {
      imageIds: query.imageIds,
      tagStatus: query.tagStatus,
      limit: query.limit,
      offset: query.after?.offset ?? 0,
    });
    page.results = results;
    if (nextOffset !== undefined) page.nextOffset = nextOffset;
    return page;
  }

  /**
   * Evaluates every repository's policy now (`dueOnly`: those not evaluated for
   * LIFECYCLE_INTERVAL), expires what each selects, then starts the collection of what only those
   * images held, without waiting for it. With `dryRun`, answers what it would expire and changes nothing.
   */
  async apply(options: { dryRun?: boolean; dueOnly?: boolean } = {}): Promise<LifecycleRunReport> {
    const dryRun = options.dryRun ?? false;
    const dueSeconds = options.dueOnly ? this.config.lifecycleIntervalSeconds : null;
    const report: LifecycleRunReport = {
      dryRun,
      images: 0,
      repositories: [],
      skipped: 0,
      failed: 0,
    };
    for (const repositoryId of await this.lifecycle.candidates(dueSeconds)) {
      let outcome: RepositoryEvaluation | 'skipped' | undefined;
      try {
        outcome = dryRun
          ? await this.estimate(repositoryId)
          : await this.evaluate(repositoryId, dueSeconds);
      } catch (err) {
        // One repository's failure (its transaction rolled back) does not stop the others.
        this.logger.warn({ err, repositoryId }, 'lifecycle policy evaluation failed');
        report.failed++;
        continue;
      }
      if (outcome === 'skipped') report.skipped++;
      else if (outcome) {
        report.repositories.push(outcome);
        report.images += outcome.expired.length;
        // Counted once committed, repository by repository.
        if (!dryRun) this.collector.countExpired(outcome.expired.length);
      }
    }
    if (!dryRun) {
      if (report.images > 0) {
        // The expiries queued what they freed (triggers, in their own transactions): the
        // collection follows in the background and the apply answers without waiting for it.
        this.collector.collectSoon();
        this.logger.info(
          { images: report.images, repositories: report.repositories.length },
          'lifecycle policies expired images',
        );
      }
    }
    return report;
  }

  /**
   * One evaluation, in one transaction: the repository held, its policy row claimed, the
   * images read, the plan expired and the evaluation recorded all commit together or not at all.
   * 'skipped' when another transaction holds the claim; undefined when there is nothing to do.
   */
  private async evaluate(
    repositoryId: string,
    dueSeconds: number | null,
  ): Promise<RepositoryEvaluation | 'skipped' | undefined> {
    return this.dataSource.transaction(async (m) => {
      const repo = await this.lifecycle.holdRepository(m, repositoryId);
      if (!repo) return undefined;
      const text = await this.lifecycle.claim(m, repositoryId, dueSeconds);
      if (text === undefined) return dueSeconds === null ? 'skipped' : undefined;
      const policy = parseLifecyclePolicy(text);
      const first = await this.plan(m, repositoryId, policy);
      // The images to expire are locked, then the plan is made again from a snapshot that sees
      // every tag they can still get: a PutImage that tagged one of them meanwhile is seen (and
      // may keep it); one that comes later waits, and pushes the image anew once this commits.
      const locked = new Set(
        await this.lifecycle.lockImages(
          m,
          repositoryId,
          first.expire.map((e) => e.imageDigest),
        ),
      );
      const plan = await this.plan(m, repositoryId, policy);
      const { expired, kept } = await this.collector.expireImagesIn(
        m,
        repositoryId,
        plan.expire.filter((e) => locked.has(e.imageDigest)).map((e) => e.imageDigest),
      );
      await this.lifecycle.markEvaluated(m, repositoryId);
      const gone = new Set(expired);
      return {
        repositoryId,
        registryId: repo.registryId,
        repositoryName: repo.name,
        expired: plan.expire.filter((e) => gone.has(e.imageDigest)),
        kept: [...plan.keptByIndex.map(keptByIndex), ...kept],
      };
    });
  }

  /** A dry run of one evaluation: the same plan, with no lock taken and nothing changed. */
  private async estimate(repositoryId: string): Promise<RepositoryEvaluation | undefined> {
    const [repo, policy] = await Promise.all([
      this.repositories.findById(repositoryId),
      this.lifecycle.findPolicy(repositoryId),
    ]);
    if (!repo || !policy) return undefined;
    const plan = await this.plan(
      this.dataSource.manager,
      repositoryId,
      parseLifecyclePolicy(policy.policyText),
    );
    return {
      repositoryId,
      registryId: repo.registryId,
      repositoryName: repo.name,
      expired: plan.expire,
      kept: plan.keptByIndex.map(keptByIndex),
    };
  }

  private async plan(
    m: EntityManager,
    repositoryId: string,
    policy: ReturnType<typeof parseLifecyclePolicy>,
  ): Promise<ExpiryPlan> {
    const { now, images } = await this.lifecycle.snapshot(m, repositoryId);
    return planLifecycleExpiry(policy, images, now);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.previews]);
  }
}

function viewOf(row: { policyText: string; lastEvaluatedAt: Date | null }): LifecyclePolicyView {
  return {
    policyText: row.policyText,
    ...(row.lastEvaluatedAt ? { lastEvaluatedAt: row.lastEvaluatedAt } : {}),
  };
}

function keptByIndex(image: ExpiredImage): KeptImage {
  return { digest: image.imageDigest, reason: 'referencedByIndex' };
}

import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminApi, problemContent } from './admin-api.decorators';
import { AdminRegistryService } from './admin-registry.service';
import { GarbageCollectorService } from '../gc/garbage-collector.service';
import { LifecycleRunReport, LifecycleService } from '../lifecycle/lifecycle.service';
import { decodeCursor, Page, pageOf } from './cursor';
import {
  ApplyLifecyclePoliciesRequest,
  CollectGarbageRequest,
  CollectionReport,
  GarbageCollection,
  GarbageCollectionPage,
  ReconciliationReport,
  DeleteRepositoryQuery,
  Image,
  ImagePage,
  Layer,
  LayerPage,
  LifecycleRunReportView,
  PurgeReport,
  PurgeUploadsRequest,
  Repository,
  RepositoryIdParam,
  RepositoryListQuery,
  RepositoryPage,
  RowPageQuery,
  Upload,
  UploadIdParam,
  UploadListQuery,
  UploadPage,
} from './dto/registry.dto';

@ApiTags('repositories')
@AdminApi()
@Controller('admin/v1/repositories')
export class RepositoriesAdminController {
  constructor(private readonly registry: AdminRegistryService) {}

  @Get()
  @ApiOperation({ summary: 'List repositories of every account, or of one, with their counts' })
  @ApiOkResponse({ type: RepositoryPage })
  list(@Query() query: RepositoryListQuery): Promise<Page<Repository>> {
    return this.registry.listRepositories(query);
  }

  @Get(':repositoryId')
  @ApiOperation({ summary: 'Get a repository with its image and layer counts and stored bytes' })
  @ApiOkResponse({ type: Repository })
  @ApiNotFoundResponse({ content: problemContent })
  get(@Param() { repositoryId }: RepositoryIdParam): Promise<Repository> {
    return this.registry.getRepository(repositoryId);
  }

  @Delete(':repositoryId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a repository with everything it holds (as DeleteRepository)',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ content: problemContent })
  @ApiConflictResponse({
    description: 'It holds images and force is not set',
    content: problemContent,
  })
  async delete(
    @Param() { repositoryId }: RepositoryIdParam,
    @Query() query: DeleteRepositoryQuery,
  ): Promise<void> {
    await this.registry.deleteRepository(repositoryId, query.force ?? false);
  }

  @Get(':repositoryId/layers')
  @ApiOperation({ summary: 'List the layers of a repository' })
  @ApiOkResponse({ type: LayerPage })
  @ApiNotFoundResponse({ content: problemContent })
  layers(
    @Param() { repositoryId }: RepositoryIdParam,
    @Query() query: RowPageQuery,
  ): Promise<Page<Layer>> {
    return this.registry.listLayers(repositoryId, query.limit, query.cursor);
  }

  @Get(':repositoryId/images')
  @ApiOperation({ summary: 'List the images of a repository with their tags' })
  @ApiOkResponse({ type: ImagePage })
  @ApiNotFoundResponse({ content: problemContent })
  images(
    @Param() { repositoryId }: RepositoryIdParam,
    @Query() query: RowPageQuery,
  ): Promise<Page<Image>> {
    return this.registry.listImages(repositoryId, query.limit, query.cursor);
  }
}

@ApiTags('uploads')
@AdminApi()
@Controller('admin/v1/uploads')
export class UploadsAdminController {
  constructor(private readonly registry: AdminRegistryService) {}

  @Get()
  @ApiOperation({ summary: 'List uploads in progress, oldest first, with bytes received and age' })
  @ApiOkResponse({ type: UploadPage })
  list(@Query() query: UploadListQuery): Promise<Page<Upload>> {
    return this.registry.listUploads(query);
  }

  @Get(':uploadId')
  @ApiOperation({ summary: 'Get an upload in progress' })
  @ApiOkResponse({ type: Upload })
  @ApiNotFoundResponse({ content: problemContent })
  get(@Param() { uploadId }: UploadIdParam): Promise<Upload> {
    return this.registry.getUpload(uploadId);
  }

  @Delete(':uploadId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Abort an upload',
    description: 'The ECR API answers UploadNotFoundException for it from then on.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ content: problemContent })
  async abort(@Param() { uploadId }: UploadIdParam): Promise<void> {
    await this.registry.abortUpload(uploadId);
  }
}

@ApiTags('maintenance')
@AdminApi()
@Controller('admin/v1/maintenance')
export class MaintenanceController {
  constructor(
    private readonly registry: AdminRegistryService,
    private readonly collector: GarbageCollectorService,
    private readonly lifecycle: LifecycleService,
  ) {}

  @Post('collect-garbage')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Collect garbage now: unreferenced layers past LAYER_GRACE, blobs, their bytes',
    description:
      'Runs the collection every instance runs every GC_INTERVAL, and answers what it removed. ' +
      'With dryRun, answers what it would remove and removes nothing.',
  })
  @ApiOkResponse({ type: CollectionReport })
  @ApiConflictResponse({
    description: 'A collection this API asked for is still running on this instance',
    content: problemContent,
  })
  collectGarbage(@Body() body: CollectGarbageRequest): Promise<CollectionReport> {
    const dryRun = body.dryRun ?? false;
    // A client that timed out and retried must not start a second run behind the first.
    const running = this.collector.inProgress();
    if (!dryRun && running?.requested) {
      throw new ConflictException(
        `A garbage collection requested at ${running.startedAt.toISOString()} is still running ` +
          'on this instance; its answer reports what it removed. Retry once it has answered.',
      );
    }
    return this.collector.collect({ dryRun }, true);
  }

  @Get('garbage-collections')
  @ApiOperation({
    summary: 'The last garbage collections, newest first',
    description:
      'Those that removed something, and those asked for through this API (scheduled runs that ' +
      'found nothing are not recorded); the last 100 are kept.',
  })
  @ApiOkResponse({ type: GarbageCollectionPage })
  async garbageCollections(@Query() query: RowPageQuery): Promise<Page<GarbageCollection>> {
    const limit = query.limit ?? 100;
    const rows = await this.collector.history(limit + 1, decodeCursor(query.cursor));
    return pageOf(
      rows,
      limit,
      (r) => ({
        startedAt: r.startedAt.toISOString(),
        finishedAt: r.finishedAt.toISOString(),
        requested: r.requested,
        layers: r.layers,
        blobs: r.blobs,
        bytes: r.bytes,
      }),
      (r) => r.id,
    );
  }

  @Post('reconcile-garbage')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Feed the collection with garbage its review queues never saw',
    description:
      'Runs, from the first row, the reconciliation pass that runs every GC_RECONCILE_INTERVAL: ' +
      'walks layers, blobs and storage objects in batches and queues those nothing references ' +
      '(data written before the queues existed, or removed with the triggers disabled). The next ' +
      'collection removes them.',
  })
  @ApiOkResponse({ type: ReconciliationReport })
  reconcileGarbage(): Promise<ReconciliationReport> {
    return this.collector.reconcile(true);
  }

  @Post('apply-lifecycle-policies')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Evaluate every lifecycle policy now, expire what each selects, then collect',
    description:
      'Runs the evaluation every instance runs every LIFECYCLE_INTERVAL, on every repository ' +
      'with a policy whether due or not (one another instance is evaluating at that moment is ' +
      'left to it and counted in skipped), and answers what it expired per repository. With ' +
      'dryRun, answers what it would expire and changes nothing.',
  })
  @ApiOkResponse({ type: LifecycleRunReportView })
  async applyLifecyclePolicies(
    @Body() body: ApplyLifecyclePoliciesRequest,
  ): Promise<LifecycleRunReportView> {
    return lifecycleRunView(await this.lifecycle.apply({ dryRun: body.dryRun ?? false }));
  }

  @Post('purge-expired-uploads')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Purge uploads idle for longer than UPLOAD_TTL now',
    description: 'With dryRun, lists what would be purged and purges nothing.',
  })
  @ApiOkResponse({ type: PurgeReport })
  purge(@Body() body: PurgeUploadsRequest): Promise<PurgeReport> {
    return this.registry.purgeExpiredUploads(body.dryRun ?? false, body.olderThanSeconds);
  }
}

function lifecycleRunView(report: LifecycleRunReport): LifecycleRunReportView {
  return {
    dryRun: report.dryRun,
    images: report.images,
    repositories: report.repositories.map((r) => ({
      repositoryId: r.repositoryId,
      accountId: r.registryId,
      repositoryName: r.repositoryName,
      expired: r.expired.map((e) => ({
        imageDigest: e.imageDigest,
        imageTags: [...e.imageTags],
        imagePushedAt: e.imagePushedAt.toISOString(),
        appliedRulePriority: e.appliedRulePriority,
      })),
      kept: r.kept.map((k) => ({ imageDigest: k.digest, reason: k.reason })),
    })),
    skipped: report.skipped,
    failed: report.failed,
  };
}

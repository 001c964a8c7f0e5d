import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import type { MetricsService } from '../metrics/metrics.service';
import type { StorageGcService } from '../storage/storage-gc.service';
import { GarbageCollectorService, GC_BATCH } from './garbage-collector.service';
import type { GcRepository } from './gc.repository';

/** A collector over stubs that record the order of what it does. */
function setup(overrides: Partial<Record<keyof GcRepository, jest.Mock>> = {}) {
  const calls: string[] = [];
  const manager = { query: jest.fn() } as unknown as EntityManager;
  const dataSource = {
    transaction: jest.fn(async (work: (m: EntityManager) => Promise<unknown>) => {
      calls.push('begin');
      const out = await work(manager);
      calls.push('commit');
      return out;
    }),
  } as unknown as DataSource;
  const layerBatches = [GC_BATCH, 3];
  // The stored reconciliation row: due, no pass in progress.
  const reconciliation: { stage: string | null; position: string | null; due: boolean } = {
    stage: null,
    position: null,
    due: true,
  };
  const reconcileBatches: Record<string, number[]> = {
    layers: [5000, 10],
    blobs: [7],
    storage: [0],
  };
  const repo = {
    takeLayerReviews: jest.fn(async () => {
      calls.push('take layers');
      const n = layerBatches.shift() ?? 0;
      const ids = Array.from({ length: n }, (_, i) => String(i));
      return { entries: ids, subjects: ids, next: `t|${n}` };
    }),
    lockGarbageLayers: jest.fn(async (_m: EntityManager, ids: string[]) => {
      calls.push('lock layers');
      return ids;
    }),
    deleteLayers: jest.fn(async (_m: EntityManager, ids: string[]) => {
      calls.push('delete layers');
      return ids.length - 1;
    }),
    settleLayerReviews: jest.fn(async () => {
      calls.push('settle layers');
    }),
    takeBlobReviews: jest.fn(async () => {
      calls.push('take blobs');
      return { entries: ['1', '2'], subjects: ['sha256:a', 'sha256:b'], next: '2' };
    }),
    lockGarbageBlobs: jest.fn(async () => {
      calls.push('lock blobs');
      return ['sha256:a', 'sha256:b'];
    }),
    deleteBlobs: jest.fn(async () => {
      calls.push('delete blobs');
      return { blobs: 2, bytes: 300 };
    }),
    settleBlobReviews: jest.fn(async () => {
      calls.push('settle blobs');
    }),
    lockReconciliation: jest.fn(async () => ({ ...reconciliation })),
    reconcileBatch: jest.fn(async (_m: EntityManager, stage: string) => {
      const read = reconcileBatches[stage].shift() ?? 0;
      calls.push(`reconcile ${stage} ${read}`);
      return { read, fed: read > 0 ? 1 : 0, next: read > 0 ? 'x' : null };
    }),
    storeReconciliation: jest.fn(
      async (_m: EntityManager, stage: string | null, position: string | null) => {
        calls.push(`store ${stage}`);
        Object.assign(reconciliation, { stage, position, due: stage !== null });
      },
    ),
    estimate: jest.fn(async () => ({ layers: 4, blobs: 3, bytes: 99 })),
    holdRepository: jest.fn(async () => true),
    deleteImageUnlessReferenced: jest.fn(),
    recordRun: jest.fn(async () => undefined),
    ...overrides,
  };
  const storage = {
    collect: jest.fn(async () => {
      calls.push('storage');
      return 2;
    }),
  };
  const metrics = { gcReclaimedBytes: { inc: jest.fn() }, gcRemoved: { inc: jest.fn() } };
  const logger = { info: jest.fn(), warn: jest.fn() };
  const collector = new GarbageCollectorService(
    dataSource,
    repo as unknown as GcRepository,
    storage as unknown as StorageGcService,
    metrics as unknown as MetricsService,
    { layerGraceSeconds: 60, gcReconcileIntervalSeconds: 86_400 } as AppConfig,
    logger as unknown as Logger,
  );
  return { collector, calls, repo, storage, metrics, dataSource, logger };
}

describe('GarbageCollectorService', () => {
  it('collects the queued layers batch by batch, then blobs, and removes bytes only after the blobs commit', async () => {
    const { collector, calls, repo, metrics } = setup();
    const report = await collector.collect();
    expect(report).toEqual({
      dryRun: false,
      layerGraceSeconds: 60,
      images: 0,
      layers: GC_BATCH - 1 + 2,
      blobs: 2,
      bytes: 300,
    });
    expect(repo.takeLayerReviews).toHaveBeenNthCalledWith(
      1,
      expect.anything(),
      60,
      GC_BATCH,
      undefined,
    );
    // Keyset: the second batch starts after the first one's last entry.
    expect(repo.takeLayerReviews).toHaveBeenNthCalledWith(
      2,
      expect.anything(),
      60,
      GC_BATCH,
      `t|${GC_BATCH}`,
    );
    const layerBatch = [
      'begin',
      'take layers',
      'lock layers',
      'delete layers',
      'settle layers',
      'commit',
    ];
    expect(calls).toEqual([
      ...layerBatch,
      ...layerBatch,
      ...['begin', 'take blobs', 'lock blobs', 'delete blobs', 'settle blobs', 'commit'],
      'storage',
    ]);
    expect(metrics.gcReclaimedBytes.inc).toHaveBeenCalledWith(300);
  });

  it('records a collection that removed something, or that was asked for, and not an idle one', async () => {
    const { collector, repo } = setup();
    await collector.collect();
    expect(repo.recordRun).toHaveBeenCalledWith({
      startedAt: expect.any(Date) as Date,
      requested: false,
      layers: GC_BATCH - 1 + 2,
      blobs: 2,
      bytes: 300,
    });

    const idle = setup({
      takeLayerReviews: jest.fn(async () => ({ entries: [], subjects: [], next: '' })),
      takeBlobReviews: jest.fn(async () => ({ entries: [], subjects: [], next: '' })),
    });
    await idle.collector.collect();
    expect(idle.repo.recordRun).not.toHaveBeenCalled();
    await idle.collector.collect({}, true);
    expect(idle.repo.recordRun).toHaveBeenCalledWith(
      expect.objectContaining({ requested: true, layers: 0, blobs: 0, bytes: 0 }),
    );
    await idle.collector.collect({ dryRun: true }, true);
    expect(idle.repo.recordRun).toHaveBeenCalledTimes(1);
  });

  it('still answers what it removed when the record of the collection fails', async () => {
    const { collector, logger } = setup({
      recordRun: jest.fn(async () => {
        throw new Error('connection lost');
      }),
    });
    expect((await collector.collect()).blobs).toBe(2);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.anything(),
      'could not record a garbage collection',
    );
  });

  it('only estimates in a dry run: no transaction, no lock, no byte removed', async () => {
    const { collector, repo, storage, dataSource, metrics } = setup();
    expect(await collector.collect({ dryRun: true })).toEqual({
      dryRun: true,
      layerGraceSeconds: 60,
      images: 0,
      layers: 4,
      blobs: 3,
      bytes: 99,
    });
    expect(repo.estimate).toHaveBeenCalledWith(60);
    expect(dataSource.transaction).not.toHaveBeenCalled();
    expect(storage.collect).not.toHaveBeenCalled();
    expect(metrics.gcReclaimedBytes.inc).not.toHaveBeenCalled();
  });

  it('skips the layer stage when asked (after DeleteRepository the layers are gone already)', async () => {
    const { collector, repo } = setup();
    const report = await collector.collect({ blobsOnly: true });
    expect(repo.takeLayerReviews).not.toHaveBeenCalled();
    expect(report).toMatchObject({ layers: 0, blobs: 2 });
  });

  it('runs one collection at a time: callers during a run share one run after it', async () => {
    const { collector, repo } = setup();
    const first = collector.collect({}, true);
    expect(collector.inProgress()).toMatchObject({ requested: true });
    const second = collector.collect();
    const third = collector.collect();
    expect(second).toBe(third);
    await Promise.all([first, second]);
    // Two runs (the first, then the shared follow-up), not three.
    expect(repo.takeBlobReviews).toHaveBeenCalledTimes(2);
    expect(collector.inProgress()).toBeUndefined();
  });

  it('reconciles every table in keyset batches, storing its position after each', async () => {
    const { collector, calls, repo } = setup();
    const report = await collector.reconcile();
    expect(report).toEqual({ read: 5017, layers: 2, blobs: 1, storageObjects: 0, finished: true });
    expect(calls.filter((c) => c.startsWith('reconcile') || c.startsWith('store'))).toEqual([
      ...['reconcile layers 5000', 'store layers'],
      ...['reconcile layers 10', 'store blobs'],
      ...['reconcile blobs 7', 'store storage'],
      ...['reconcile storage 0', 'store null'],
    ]);
    expect(repo.reconcileBatch).toHaveBeenNthCalledWith(2, expect.anything(), 'layers', 'x', 5000);
  });

  it('leaves the reconciliation alone while it is not due, or another instance holds it', async () => {
    const lockReconciliation = jest.fn(async () => ({ stage: null, position: null, due: false }));
    const { collector, repo } = setup({ lockReconciliation });
    expect(await collector.reconcile()).toMatchObject({ read: 0, finished: false });
    lockReconciliation.mockResolvedValueOnce(undefined as never);
    expect(await collector.reconcile()).toMatchObject({ read: 0, finished: false });
    expect(repo.reconcileBatch).not.toHaveBeenCalled();
  });

  it('expires an index before the children it references, and keeps what is missing', async () => {
    const alive = new Set(['sha256:index', 'sha256:child']);
    const deleteImageUnlessReferenced = jest.fn(
      async (_m: EntityManager, _repo: string, digest: string) => {
        if (!alive.has(digest)) return 'missing';
        if (digest === 'sha256:child' && alive.has('sha256:index')) return 'referenced';
        alive.delete(digest);
        return 'deleted';
      },
    );
    const { collector } = setup({ deleteImageUnlessReferenced });
    const out = await collector.expireImages('7', ['sha256:child', 'sha256:index', 'sha256:x']);
    expect(out.expired).toEqual(['sha256:index', 'sha256:child']);
    expect(out.kept).toEqual([{ digest: 'sha256:x', reason: 'missing' }]);
    expect(out.report.images).toBe(2);
  });

  it('keeps a child whose index is not expired', async () => {
    const deleteImageUnlessReferenced = jest.fn(async () => 'referenced');
    const { collector } = setup({ deleteImageUnlessReferenced });
    const out = await collector.expireImages('7', ['sha256:child']);
    expect(out.expired).toEqual([]);
    expect(out.kept).toEqual([{ digest: 'sha256:child', reason: 'referencedByIndex' }]);
  });

  it('expires within the caller transaction: no transaction of its own, no collection, no count', async () => {
    const deleteImageUnlessReferenced = jest.fn(async () => 'deleted');
    const { collector, dataSource, storage, metrics, repo } = setup({
      deleteImageUnlessReferenced,
    });
    const m = {} as EntityManager;
    const out = await collector.expireImagesIn(m, '7', ['sha256:a', 'sha256:a', 'sha256:b']);
    expect(out).toEqual({ expired: ['sha256:a', 'sha256:b'], kept: [] });
    expect(deleteImageUnlessReferenced).toHaveBeenCalledWith(m, '7', 'sha256:a');
    expect(repo.holdRepository).not.toHaveBeenCalled();
    expect(dataSource.transaction).not.toHaveBeenCalled();
    expect(storage.collect).not.toHaveBeenCalled();
    expect(metrics.gcRemoved.inc).not.toHaveBeenCalled();
    collector.countExpired(2);
    expect(metrics.gcRemoved.inc).toHaveBeenCalledWith({ kind: 'images' }, 2);
  });
});

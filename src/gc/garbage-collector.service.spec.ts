import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import type { MetricsService } from '../metrics/metrics.service';
import type { StorageGcService } from '../storage/storage-gc.service';
import { GarbageCollectorService } from './garbage-collector.service';
import type { GcRepository } from './gc.repository';

/** A collector over stubs that record the order of what it does. */
function setup(overrides: Partial<Record<keyof GcRepository, jest.Mock>> = {}) {
  const calls: string[] = [];
  const manager = {} as EntityManager;
  const dataSource = {
    transaction: jest.fn(async (work: (m: EntityManager) => Promise<unknown>) => {
      calls.push('begin');
      const out = await work(manager);
      calls.push('commit');
      return out;
    }),
  } as unknown as DataSource;
  const layerBatches = [200, 3];
  const repo = {
    lockGarbageLayers: jest.fn(async () => {
      calls.push('lock layers');
      return Array.from({ length: layerBatches.shift() ?? 0 }, (_, i) => String(i));
    }),
    deleteLayers: jest.fn(async (_m: EntityManager, ids: string[]) => {
      calls.push('delete layers');
      return ids.length - 1;
    }),
    lockGarbageBlobs: jest.fn(async () => {
      calls.push('lock blobs');
      return ['sha256:a', 'sha256:b'];
    }),
    deleteBlobs: jest.fn(async () => {
      calls.push('delete blobs');
      return { blobs: 2, bytes: 300 };
    }),
    estimate: jest.fn(async () => ({ layers: 4, blobs: 3, bytes: 99 })),
    holdRepository: jest.fn(async () => true),
    deleteImageUnlessReferenced: jest.fn(),
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
    { layerGraceSeconds: 60 } as AppConfig,
    logger as unknown as Logger,
  );
  return { collector, calls, repo, storage, metrics, dataSource };
}

describe('GarbageCollectorService', () => {
  it('collects layers batch by batch, then blobs, and removes bytes only after the blobs commit', async () => {
    const { collector, calls, repo, metrics } = setup();
    const report = await collector.collect();
    expect(report).toEqual({
      dryRun: false,
      layerGraceSeconds: 60,
      images: 0,
      layers: 199 + 2,
      blobs: 2,
      bytes: 300,
    });
    expect(repo.lockGarbageLayers).toHaveBeenCalledWith(expect.anything(), 60, 200);
    expect(calls).toEqual([
      ...['begin', 'lock layers', 'delete layers', 'commit'],
      ...['begin', 'lock layers', 'delete layers', 'commit'],
      ...['begin', 'lock blobs', 'delete blobs', 'commit'],
      'storage',
    ]);
    expect(metrics.gcReclaimedBytes.inc).toHaveBeenCalledWith(300);
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
    expect(repo.lockGarbageLayers).not.toHaveBeenCalled();
    expect(report).toMatchObject({ layers: 0, blobs: 2 });
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

import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsRepository } from './metrics.repository';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** Which API a request belongs to: the `api` label. */
export type ApiName = 'ecr' | 'oci' | 'admin' | 'download' | 'other';

/**
 * The Prometheus metrics of one application instance, in a registry of its own (several
 * applications can live in one process, as in the tests). Labels are bounded: operation names,
 * route patterns and error names, never ids, names or digests.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'berth_requests_total',
    help: 'Requests answered, by API, operation (ECR operation, /v2 operation or admin route) and error name ("" on success)',
    labelNames: ['api', 'operation', 'error'] as const,
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: 'berth_request_duration_seconds',
    help: 'Time from the request to the end of its response, by API and operation',
    labelNames: ['api', 'operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly received = new Counter({
    name: 'berth_received_bytes_total',
    help: 'Request bytes read (headers, and the body as far as it was read: a refused body is left unread), by API',
    labelNames: ['api'] as const,
    registers: [this.registry],
  });

  readonly sent = new Counter({
    name: 'berth_sent_bytes_total',
    help: 'Response bytes sent (headers included), by API',
    labelNames: ['api'] as const,
    registers: [this.registry],
  });

  readonly layerParts = new Counter({
    name: 'berth_layer_parts_total',
    help: 'Layer parts stored, by storage driver and by whether their bytes were stored while they arrived ("streamed") or once they had ("buffered")',
    labelNames: ['driver', 'path'] as const,
    registers: [this.registry],
  });

  readonly gcReclaimedBytes = new Counter({
    name: 'berth_gc_reclaimed_bytes_total',
    help: 'Bytes of the blobs removed by garbage collection on this instance',
    registers: [this.registry],
  });

  readonly gcRemoved = new Counter({
    name: 'berth_gc_removed_total',
    help: 'Rows removed by garbage collection on this instance, by kind (images, layers, blobs)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor(
    private readonly dataSource: DataSource,
    repository: MetricsRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'berth_uploads_in_progress',
      help: 'Layer uploads initiated and neither completed nor purged (all instances: read from the database)',
      registers: [this.registry],
      collect: async function (this: Gauge) {
        this.set(await repository.uploadsInProgress());
      },
    });
    new Gauge({
      name: 'berth_upload_bytes_in_progress',
      help: 'Bytes received so far by the uploads in progress (all instances)',
      registers: [this.registry],
      collect: async function (this: Gauge) {
        this.set(await repository.uploadBytesInProgress());
      },
    });
    new Gauge({
      name: 'berth_stored_bytes',
      help: 'Unique bytes stored (every blob once, plus image manifests; all instances: read from the database)',
      registers: [this.registry],
      collect: async function (this: Gauge) {
        this.set(await repository.storedBytes());
      },
    });
    const pool = (): Pool | undefined =>
      (this.dataSource.driver as unknown as { master?: Pool }).master;
    new Gauge({
      name: 'berth_db_pool_connections',
      help: "This instance's PostgreSQL connections: in_use, idle, and requests waiting for one",
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect: function (this: Gauge<'state'>) {
        const p = pool();
        if (!p) return;
        this.set({ state: 'in_use' }, p.totalCount - p.idleCount);
        this.set({ state: 'idle' }, p.idleCount);
        this.set({ state: 'waiting' }, p.waitingCount);
      },
    });
    new Gauge({
      name: 'berth_db_pool_max_connections',
      help: 'The largest number of PostgreSQL connections of this instance (DATABASE_POOL_SIZE)',
      registers: [this.registry],
    }).set(config.databasePoolSize);
  }
}

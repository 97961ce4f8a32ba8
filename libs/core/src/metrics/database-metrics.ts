import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { poolOf } from '../database/data-source-options';
import { MetricsRegistry } from './metrics-registry';

/**
 * Connection pool use, read from pg's Pool at scrape time. `waiting` above zero for long means requests queue for a
 * connection: raise DATABASE_POOL_SIZE (within the server's max_connections divided by replicas) or find the slow query.
 */
@Injectable()
export class DatabaseMetrics implements OnModuleInit {
  private readonly tracked: [string, () => Pool | undefined][] = [];

  constructor(
    private readonly metrics: MetricsRegistry,
    @InjectDataSource() private readonly runtime: DataSource,
  ) {
    this.track('runtime', () => poolOf(this.runtime));
  }

  /** Another pool to report under `pool="<label>"` (the operator path registers its own, when a process has it). */
  track(label: string, pool: () => Pool | undefined): void {
    this.tracked.push([label, pool]);
  }

  onModuleInit(): void {
    const pools = () => {
      const found: [string, Pool][] = [];
      for (const [label, read] of this.tracked) {
        const pool = read();
        if (pool) found.push([label, pool]);
      }
      return found;
    };
    const gauge = (name: string, help: string, read: (pool: Pool) => number) =>
      this.metrics.gauge({
        name,
        help,
        labelNames: ['pool'],
        collect() {
          this.reset();
          for (const [label, pool] of pools()) this.set({ pool: label }, read(pool));
        },
      });
    gauge('consilium_db_pool_connections', 'Open connections in the pool (busy and idle)', (p) => p.totalCount);
    gauge('consilium_db_pool_idle_connections', 'Open connections not serving a query', (p) => p.idleCount);
    gauge('consilium_db_pool_waiting_clients', 'Queries waiting for a free connection', (p) => p.waitingCount);
    gauge('consilium_db_pool_max_connections', 'The pool size limit (DATABASE_POOL_SIZE)', (p) => p.options.max ?? 10);
  }
}

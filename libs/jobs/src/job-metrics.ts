import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { MetricsRegistry } from '@consilium/core';
import { Counter, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';

export type AttemptOutcome = 'completed' | 'retried' | 'failed';

/** One scrape reads the queues once, however many gauges it fills; a second scrape within this reuses it. */
const SNAPSHOT_MS = 1000;

interface QueueRow {
  queue: string;
  state: 'created' | 'retry' | 'active' | 'failed';
  n: number;
}

/**
 * The jobs' metrics. What is in the queues (waiting, running, dead) is read from pg-boss's table at scrape time, so
 * it is the same on every process that reports it (take the max, not the sum, across instances); what happened to
 * each attempt (completed, retried, failed; how long it took) is counted by the process that ran it: the worker, or
 * the platform in the embedded default.
 */
@Injectable()
export class JobMetrics {
  private readonly attempts: Counter<'queue' | 'outcome'>;
  private readonly duration: Histogram<'queue' | 'outcome'>;
  private snapshot?: { at: number; rows: Promise<QueueRow[]> };

  constructor(
    metrics: MetricsRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.attempts = metrics.counter({
      name: 'consilium_job_attempts_total',
      help: 'Job attempts run by this process, by queue and outcome (completed; retried: failed with retries left; failed: no retries left)',
      labelNames: ['queue', 'outcome'],
    });
    this.duration = metrics.histogram({
      name: 'consilium_job_duration_seconds',
      help: 'How long job attempts run by this process took, by queue and outcome',
      labelNames: ['queue', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    });
    const read = (states: QueueRow['state'][]) => async (): Promise<Map<string, number>> => {
      const counts = new Map<string, number>();
      for (const row of await this.rows()) {
        if (states.includes(row.state)) counts.set(row.queue, (counts.get(row.queue) ?? 0) + row.n);
      }
      return counts;
    };
    const gauge = (name: string, help: string, counts: () => Promise<Map<string, number>>) =>
      metrics.gauge({
        name,
        help,
        labelNames: ['queue'],
        async collect() {
          this.reset();
          for (const [queue, n] of await counts()) this.set({ queue }, n);
        },
      });
    gauge(
      'consilium_job_queue_depth',
      'Jobs waiting to run (new, or failed with retries left), due now or later',
      read(['created', 'retry']),
    );
    gauge('consilium_job_active', 'Job attempts running now, on every worker', read(['active']));
    gauge('consilium_job_failed', 'Dead jobs: retries used up, kept 30 days for operators (npm run cli -- jobs failed)', read(['failed']));
  }

  attempted(queue: string, outcome: AttemptOutcome, seconds: number): void {
    this.attempts.inc({ queue, outcome });
    this.duration.observe({ queue, outcome }, seconds);
  }

  /**
   * pg-boss's table, grouped. A database that does not answer leaves the gauges empty rather than failing the whole
   * scrape (the pool metrics and readiness say why).
   */
  private rows(): Promise<QueueRow[]> {
    if (this.snapshot && Date.now() - this.snapshot.at < SNAPSHOT_MS) return this.snapshot.rows;
    const rows = this.dataSource
      .query<QueueRow[]>(
        `SELECT name AS queue, state::text AS state, count(*)::int AS n
           FROM pgboss.job WHERE state IN ('created', 'retry', 'active', 'failed') GROUP BY 1, 2`,
      )
      .catch(() => []);
    this.snapshot = { at: Date.now(), rows };
    return rows;
  }
}

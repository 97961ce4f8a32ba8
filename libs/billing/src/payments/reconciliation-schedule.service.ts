import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { first, OperatorDatabase, PeriodicTask, rows } from '@consilium/core';
import { PAYMENT_PROVIDER, PaymentProvider } from '../providers/payment-provider';
import { PaymentsReconciliation, ReconciliationDifference } from './reconciliation.service';

/** How far back each nightly run looks: a week, so a day or two of missed runs still gets compared. */
const WINDOW_DAYS = 7;
/** How often an instance checks whether today's run is done. */
const CHECK_EVERY_MS = 3600 * 1000;
/** A run started this long ago and never finished (its instance died) is taken over. */
const STALE_AFTER = '1 hour';

export interface ReconciliationRun {
  id: string;
  provider: string;
  day: string;
  startedAt: Date;
  finishedAt: Date | null;
  checkedAtProvider: number | null;
  checkedLocally: number | null;
  differences: ReconciliationDifference[];
  failure: string | null;
}

/**
 * Compares payments with the provider once a day and keeps the result for operators (`/operator/revenue`). Every
 * platform instance checks hourly; the day's row, claimed with a unique key, makes exactly one of them run it.
 */
@Injectable()
export class ReconciliationSchedule implements OnApplicationShutdown {
  private readonly logger = new Logger('Reconciliation');
  private readonly task = new PeriodicTask(this.logger, CHECK_EVERY_MS, () => this.runIfDue(), 'reconciliation check failed');

  constructor(
    private readonly reconciliation: PaymentsReconciliation,
    private readonly operatorDb: OperatorDatabase,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
  ) {}

  /** Called by the platform's entry point once it serves: a first check now, then hourly. */
  start(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** Runs today's reconciliation unless another instance has (or is doing it). Returns the run, or null. */
  async runIfDue(now = new Date()): Promise<ReconciliationRun | null> {
    const day = now.toISOString().slice(0, 10);
    const claimed = await this.operatorDb.transaction((tx) =>
      first<{ id: string }>(
        tx,
        `WITH claim AS (
           INSERT INTO payment_reconciliations (provider, day) VALUES ($1, $2)
           ON CONFLICT (provider, day) DO UPDATE SET started_at = now(), failure = NULL
            WHERE payment_reconciliations.finished_at IS NULL AND payment_reconciliations.started_at < now() - interval '${STALE_AFTER}'
           RETURNING id)
         SELECT id FROM claim`,
        [this.provider.name, day],
      ),
    );
    if (!claimed) return null;
    try {
      const report = await this.reconciliation.reconcile(WINDOW_DAYS, now);
      await this.operatorDb.transaction((tx) =>
        tx.query(
          `UPDATE payment_reconciliations SET finished_at = now(), since = $2, checked_at_provider = $3, checked_locally = $4, differences = $5
            WHERE id = $1`,
          [claimed.id, report.since, report.checkedAtProvider, report.checkedLocally, JSON.stringify(report.differences)],
        ),
      );
      const log = report.differences.length ? this.logger.warn.bind(this.logger) : this.logger.log.bind(this.logger);
      log({ provider: report.provider, differences: report.differences.length, checked: report.checkedLocally }, 'payments reconciled');
    } catch (error) {
      // The provider's message may name accounts or amounts: operators see the kind of failure, the log the rest.
      this.logger.error({ err: error }, 'payments reconciliation failed');
      await this.operatorDb.transaction((tx) =>
        tx.query('UPDATE payment_reconciliations SET finished_at = now(), failure = $2 WHERE id = $1', [
          claimed.id,
          (error as Error)?.name ?? 'Error',
        ]),
      );
    }
    return (await this.runs('WHERE r.id = $1', [claimed.id]))[0];
  }

  recent(limit = 10): Promise<ReconciliationRun[]> {
    return this.runs('ORDER BY r.day DESC, r.started_at DESC LIMIT $1', [limit]);
  }

  private async runs(tail: string, params: unknown[]): Promise<ReconciliationRun[]> {
    const runs = await this.operatorDb.transaction((tx) =>
      rows<{
        id: string;
        provider: string;
        day: string;
        started_at: Date;
        finished_at: Date | null;
        checked_at_provider: number | null;
        checked_locally: number | null;
        differences: ReconciliationDifference[] | null;
        failure: string | null;
      }>(
        tx,
        `SELECT r.id, r.provider, r.day::text AS day, r.started_at, r.finished_at, r.checked_at_provider, r.checked_locally, r.differences, r.failure
           FROM payment_reconciliations r ${tail}`,
        params,
      ),
    );
    return runs.map((r) => ({
      id: r.id,
      provider: r.provider,
      day: r.day,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      checkedAtProvider: r.checked_at_provider,
      checkedLocally: r.checked_locally,
      differences: r.differences ?? [],
      failure: r.failure,
    }));
  }
}

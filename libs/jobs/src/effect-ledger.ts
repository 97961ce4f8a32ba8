import { Injectable } from '@nestjs/common';
import { first } from '@consilium/core';
import { EntityManager } from 'typeorm';

export interface EffectScope {
  tenantId: string;
  jobName: string;
  jobId: string;
  attempt: number;
}

export interface EffectOutcome<T> {
  /** false when an earlier attempt already performed the effect: `result` is what that attempt recorded. */
  performed: boolean;
  result: T;
}

/**
 * The dedupe table (`job_effects`): one row per side effect, keyed by the handler (`email:<message id>`), written in
 * the tenant transaction of the attempt that performed it.
 *
 * - An effect that is itself a database write commits with its row, so it happens exactly once.
 * - An effect outside the database (sending an email) happens before the row commits. If the process dies in
 *   between, the retry performs it again; the transport must then recognise the repeat by the same key (the local
 *   outbox does; SES has no idempotency key, so there the gap is at-least-once, a few milliseconds wide).
 */
@Injectable()
export class EffectLedger {
  async once<T>(tx: EntityManager, scope: EffectScope, key: string, perform: () => Promise<T>): Promise<EffectOutcome<T>> {
    // Serialises two attempts at the same effect (a slow attempt that outlived its expiry, and its retry). A separate
    // statement from the read below: under READ COMMITTED the read then sees whatever the other attempt committed.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`${scope.tenantId}:${key}`]);
    // `result` is what an earlier attempt's `perform` returned, stored as JSON.
    const done = await first<{ result: T }>(tx, `SELECT result FROM job_effects WHERE tenant_id = $1 AND effect_key = $2`, [
      scope.tenantId,
      key,
    ]);
    if (done) return { performed: false, result: done.result };
    const result = await perform();
    await tx.query(`INSERT INTO job_effects (tenant_id, effect_key, job_name, job_id, attempt, result) VALUES ($1, $2, $3, $4, $5, $6)`, [
      scope.tenantId,
      key,
      scope.jobName,
      scope.jobId,
      scope.attempt,
      JSON.stringify(result ?? null),
    ]);
    return { performed: true, result };
  }
}

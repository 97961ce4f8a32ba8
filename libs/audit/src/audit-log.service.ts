import { Injectable, Logger } from '@nestjs/common';
import { RequestContext, TenantDatabase } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { EntityManager } from 'typeorm';

export type AuditOutcome = 'allowed' | 'denied';

export interface AuditEntry {
  action: string;
  outcome: AuditOutcome;
  entityType?: string;
  entityId?: string | null;
  /** The patient whose health information this touched: "who accessed this patient" reads it. */
  subjectId?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Audit events are rows, not log lines: who, what, which record, allowed or denied, when, from where. Each entry
 * is written in a transaction of its own, so a refused or failed request still leaves its row.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly operatorDb: OperatorDatabase,
    private readonly context: RequestContext,
  ) {}

  /** A tenant event for the current request's tenant. */
  async record(entry: AuditEntry, tenantId = this.context.tenant().id): Promise<void> {
    await this.db.forTenant(tenantId, (tx) => this.insert(tx, tenantId, entry));
  }

  /**
   * A tenant event recorded once per actor, action and entity within `windowMinutes`: for reads that come as many
   * requests but are one act (a viewer fetching a study's frames is one "viewed the study"). Concurrent callers
   * queue on an advisory lock, so a burst of requests still leaves one row.
   */
  async recordOnce(entry: AuditEntry & { entityId: string }, windowMinutes: number): Promise<void> {
    const tenantId = this.context.tenant().id;
    const actor = this.context.actor();
    const actorId = actor && UUID.test(actor.id) ? actor.id : null;
    await this.db.forTenant(tenantId, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`audit:${actorId}:${entry.action}:${entry.entityId}`]);
      const seen: unknown[] = await tx.query(
        `SELECT 1 FROM audit_events
          WHERE tenant_id = $1 AND actor_id IS NOT DISTINCT FROM $2 AND action = $3 AND entity_id = $4
            AND occurred_at > now() - make_interval(mins => $5) LIMIT 1`,
        [tenantId, actorId, entry.action, entry.entityId, windowMinutes],
      );
      if (seen.length > 0) return;
      await this.insert(tx, tenantId, entry);
    });
  }

  /** A platform event by an operator (sign-in, onboarding, suspension). */
  async recordOperator(entry: AuditEntry & { operatorId?: string | null }): Promise<void> {
    try {
      await this.operatorDb.transaction((tx) =>
        tx.query(
          `INSERT INTO operator_audit_events (operator_id, action, entity_type, entity_id, outcome, ip, user_agent, request_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            entry.operatorId ?? null,
            entry.action,
            entry.entityType ?? null,
            entry.entityId && UUID.test(entry.entityId) ? entry.entityId : null,
            entry.outcome,
            this.context.ip() ?? null,
            this.context.userAgent() ?? null,
            this.context.requestId() ?? null,
          ],
        ),
      );
    } catch (error) {
      this.logger.error({ err: error, action: entry.action }, 'operator audit event not written');
      throw error;
    }
  }

  private async insert(tx: EntityManager, tenantId: string, entry: AuditEntry): Promise<void> {
    const actor = this.context.actor();
    await tx.query(
      `INSERT INTO audit_events (tenant_id, actor_kind, actor_id, action, entity_type, entity_id, subject_id, outcome, ip, user_agent, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        tenantId,
        actor?.kind ?? 'anonymous',
        actor && UUID.test(actor.id) ? actor.id : null,
        entry.action,
        entry.entityType ?? null,
        entry.entityId && UUID.test(entry.entityId) ? entry.entityId : null,
        entry.subjectId && UUID.test(entry.subjectId) ? entry.subjectId : null,
        entry.outcome,
        this.context.ip() ?? null,
        this.context.userAgent() ?? null,
        this.context.requestId() ?? null,
      ],
    );
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { RequestContext, TenantDatabase } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';

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
    const actor = this.context.actor();
    await this.db.forTenant(tenantId, (tx) =>
      tx.query(
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
      ),
    );
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
}

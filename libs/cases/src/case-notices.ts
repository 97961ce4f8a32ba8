import { Injectable } from '@nestjs/common';
import { isPlatformLocale, rows } from '@consilium/core';
import { Mailer } from '@consilium/notifications';
import { EntityManager } from 'typeorm';
import type { Case } from './case.entity';

/**
 * The pipeline's emails, through the Mailer's catalogue: each says only that there is something to see and links to
 * it (ids, never content), and is enqueued in the transaction of the change that caused it.
 */
@Injectable()
export class CaseNotices {
  constructor(private readonly mailer: Mailer) {}

  async opinionReady(tx: EntityManager, c: Case): Promise<void> {
    for (const to of await this.patientSide(tx, c))
      await this.mailer.send(tx, {
        tenantId: c.tenantId,
        to: to.email,
        locale: to.locale,
        template: 'opinion-ready',
        data: { caseId: c.id },
      });
  }

  /** The saved card could not be charged without the patient: a link to confirm payment (no amount, no case words). */
  async paymentConfirmationNeeded(tx: EntityManager, c: Pick<Case, 'tenantId' | 'id' | 'patientId'>): Promise<void> {
    for (const to of await this.accounts(tx, [c.patientId]))
      await this.mailer.send(tx, {
        tenantId: c.tenantId,
        to: to.email,
        locale: to.locale,
        template: 'payment-confirmation',
        data: { caseId: c.id },
      });
  }

  /** Staff wrote: tell the patient. The patient (or their physician) wrote: tell the assigned physician, else coordinators. */
  async newMessage(tx: EntityManager, c: Case, from: 'staff' | 'patient' | 'local_physician'): Promise<void> {
    if (from === 'staff') {
      for (const to of await this.patientSide(tx, c))
        await this.mailer.send(tx, {
          tenantId: c.tenantId,
          to: to.email,
          locale: to.locale,
          template: 'new-message',
          data: { caseId: c.id, audience: 'patient' },
        });
      return;
    }
    const team = c.assignedPhysicianId ? await this.accounts(tx, [c.assignedPhysicianId]) : await this.coordinators(tx);
    for (const to of team)
      await this.mailer.send(tx, {
        tenantId: c.tenantId,
        to: to.email,
        locale: to.locale,
        template: 'new-message',
        data: { caseId: c.id, audience: 'staff' },
      });
  }

  async assigned(tx: EntityManager, c: Pick<Case, 'tenantId' | 'id'>, accountId: string): Promise<void> {
    for (const to of await this.accounts(tx, [accountId]))
      await this.mailer.send(tx, {
        tenantId: c.tenantId,
        to: to.email,
        locale: to.locale,
        template: 'case-assigned',
        data: { caseId: c.id },
      });
  }

  async deadlineNear(tx: EntityManager, c: Pick<Case, 'tenantId' | 'id'>, accountId: string, deadline: 'accept' | 'review'): Promise<void> {
    for (const to of await this.accounts(tx, [accountId]))
      await this.mailer.send(tx, {
        tenantId: c.tenantId,
        to: to.email,
        locale: to.locale,
        template: 'deadline-reminder',
        data: { caseId: c.id, deadline },
      });
  }

  async assignmentLapsed(
    tx: EntityManager,
    c: Pick<Case, 'tenantId' | 'id'>,
    why: 'missed_accept' | 'missed_review' | 'declined',
  ): Promise<void> {
    for (const to of await this.coordinators(tx))
      await this.mailer.send(tx, {
        tenantId: c.tenantId,
        to: to.email,
        locale: to.locale,
        template: 'assignment-lapsed',
        data: { caseId: c.id, why },
      });
  }

  /** The promise passed: coordinators and admins get the case to look at (the patient hears it as a milestone). */
  async caseLate(tx: EntityManager, c: Case): Promise<void> {
    for (const to of await this.coordinators(tx, ['coordinator', 'admin']))
      await this.mailer.send(tx, {
        tenantId: c.tenantId,
        to: to.email,
        locale: to.locale,
        template: 'case-late',
        data: { caseId: c.id },
      });
  }

  /** The account that made the request and, for an adult's request, the patient who follows it. */
  private async patientSide(tx: EntityManager, c: Pick<Case, 'id' | 'patientId'>): Promise<{ email: string; locale?: string }[]> {
    const followers = await rows<{ account_id: string }>(tx, 'SELECT account_id FROM case_followers WHERE case_id = $1', [c.id]);
    return this.accounts(tx, [c.patientId, ...followers.map((f) => f.account_id)]);
  }

  private async accounts(tx: EntityManager, ids: string[]): Promise<{ email: string; locale?: string }[]> {
    return (await rows<Account>(tx, 'SELECT email, locale FROM accounts WHERE id = ANY($1) AND disabled_at IS NULL', [ids])).map(recipient);
  }

  private async coordinators(tx: EntityManager, roles = ['coordinator']): Promise<{ email: string; locale?: string }[]> {
    const coordinators = await rows<Account>(
      tx,
      `SELECT DISTINCT a.email, a.locale FROM accounts a JOIN staff_roles r ON r.tenant_id = a.tenant_id AND r.account_id = a.id
        WHERE r.role = ANY($1) AND a.disabled_at IS NULL ORDER BY a.email`,
      [roles],
    );
    return coordinators.map(recipient);
  }
}

/** The columns a notice needs of an account. */
interface Account {
  email: string;
  locale: string;
}

function recipient(r: Account): { email: string; locale?: string } {
  return { email: r.email, locale: isPlatformLocale(r.locale) ? r.locale : undefined };
}

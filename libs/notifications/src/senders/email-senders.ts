import { Injectable } from '@nestjs/common';
import { first, InvalidInput, msg, RequestContext, TenantDatabase } from '@consilium/core';
import { Blueprint, BlueprintConflict } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { EmailSender } from './email-sender.entity';

/** What SES tells us about a bounced or complained-about message, to find whose message it was. */
export interface FeedbackClues {
  /** The `consilium-tenant` message tag set on every send. */
  tenantTag?: string;
  configurationSet?: string;
  /** The envelope sender (`mail.source`). */
  source?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Hospitals' email senders (tenant_email_senders): read in a tenant's transaction, written from the blueprint, and
 * looked up from a bounce before the tenant is known.
 */
@Injectable()
export class EmailSenders {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  /** The sender of `tenantId`; `tx` is that tenant's transaction. */
  forTenant(tx: EntityManager, tenantId: string): Promise<EmailSender | null> {
    // sender_lookup makes every row readable, so the tenant is filtered explicitly, not left to the policy.
    return tx.findOneBy(EmailSender, { tenantId });
  }

  /**
   * The tenant a bounce or complaint belongs to: by our message tag, else the configuration set, else the From
   * address. Each must name a configured sender; null when none does. Reads through the sender_lookup policy.
   */
  async tenantForFeedback(clues: FeedbackClues): Promise<string | null> {
    const attempts: [string, string | undefined][] = [
      ['tenant_id::text', clues.tenantTag && UUID.test(clues.tenantTag) ? clues.tenantTag : undefined],
      ['configuration_set', clues.configurationSet],
      ['from_address', clues.source ? addressOf(clues.source) : undefined],
    ];
    for (const [column, value] of attempts) {
      if (!value) continue;
      const row = await this.db.withoutTenant((tx) =>
        first<{ tenant_id: string }>(tx, `SELECT tenant_id FROM tenant_email_senders WHERE ${column} = $1`, [value]),
      );
      if (row) return row.tenant_id;
    }
    return null;
  }

  /** Makes the tenant's sender match its blueprint's `email:` block; one line per change. */
  async sync(tx: EntityManager, tenantId: string, email: Blueprint['email'], file: string): Promise<string[]> {
    const existing = await tx.findOneBy(EmailSender, { tenantId });
    if (!email) {
      if (!existing) return [];
      await tx.delete(EmailSender, { tenantId, id: existing.id });
      return ['remove email sender'];
    }
    const desired = {
      fromName: email.from_name,
      fromAddress: email.from_address.toLowerCase(),
      replyTo: email.reply_to ?? null,
      configurationSet: email.ses_configuration_set ?? null,
    };
    // A bounce is matched to its tenant by From address or configuration set: neither may be shared.
    const clash = await first<{ from_address: string; configuration_set: string | null }>(
      tx,
      'SELECT from_address, configuration_set FROM tenant_email_senders WHERE tenant_id <> $1 AND (from_address = $2 OR configuration_set = $3)',
      [tenantId, desired.fromAddress, desired.configurationSet],
    );
    if (clash) {
      const what =
        clash.from_address === desired.fromAddress
          ? `email.from_address ${desired.fromAddress}`
          : `email.ses_configuration_set ${desired.configurationSet}`;
      throw new BlueprintConflict(`${file}: ${what} already belongs to another tenant`);
    }
    if (!existing) {
      await tx.insert(EmailSender, { tenantId, ...desired });
      return [`set email sender ${desired.fromAddress}`];
    }
    if ((Object.keys(desired) as (keyof typeof desired)[]).every((k) => existing[k] === desired[k])) return [];
    await tx.update(EmailSender, { tenantId, id: existing.id }, desired);
    return [`update email sender ${desired.fromAddress}`];
  }

  /**
   * For the admin console: the current tenant's sender. An address another hospital sends from is refused beside
   * the field (bounces are matched to their hospital by it), without saying whose it is.
   */
  update(input: SenderInput): Promise<void> {
    const tenantId = this.context.tenant().id;
    const desired = { ...input, fromAddress: input.fromAddress.toLowerCase() };
    return this.db.transaction(async (tx) => {
      const clash = await first(tx, 'SELECT 1 FROM tenant_email_senders WHERE tenant_id <> $1 AND from_address = $2', [
        tenantId,
        desired.fromAddress,
      ]);
      if (clash) throw new InvalidInput({ from_address: msg('notifications.sender.addressTaken') });
      const existing = await tx.findOneBy(EmailSender, { tenantId });
      if (existing) await tx.update(EmailSender, { tenantId, id: existing.id }, desired);
      else await tx.insert(EmailSender, { tenantId, ...desired });
    });
  }
}

/** What the admin console edits of the sender; the SES configuration set stays as the blueprint set it. */
export interface SenderInput {
  fromName: string;
  fromAddress: string;
  replyTo: string | null;
}

/** `"Lakeshore" <a@b.org>` or `a@b.org` -> `a@b.org`. */
function addressOf(source: string): string {
  const angle = /<([^>]+)>/.exec(source);
  return (angle ? angle[1] : source).trim().toLowerCase();
}

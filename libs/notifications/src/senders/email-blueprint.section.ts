import { Injectable } from '@nestjs/common';
import { BlueprintInput, BlueprintSection, SectionApplyContext } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { EmailSenders } from './email-senders';

/** `email:` of tenant.yaml (From name and address, reply-to, SES configuration set), to and from tenant_email_senders. */
@Injectable()
export class EmailBlueprintSection implements BlueprintSection {
  readonly name = 'email';
  readonly order = 50;

  constructor(private readonly senders: EmailSenders) {}

  async apply({ tx, tenantId, blueprint, loaded, changes }: SectionApplyContext): Promise<void> {
    changes.push(...(await this.senders.sync(tx, tenantId, blueprint.email, loaded.file)));
  }

  async export(tx: EntityManager, tenantId: string): Promise<Partial<BlueprintInput>> {
    const sender = await this.senders.forTenant(tx, tenantId);
    if (!sender) return {};
    return {
      email: {
        from_name: sender.fromName,
        from_address: sender.fromAddress,
        ...(sender.replyTo ? { reply_to: sender.replyTo } : {}),
        ...(sender.configurationSet ? { ses_configuration_set: sender.configurationSet } : {}),
      },
    };
  }
}

import { AccountMail, AccountMailMessage } from '@consilium/identity';
import { EntityManager } from 'typeorm';

type Recorded = AccountMailMessage & { tenantId: string };

/** Records account emails as they are enqueued. Stands in for the notifications lib in identity's suites. */
export class RecordingAccountMail extends AccountMail {
  static readonly sent: Recorded[] = [];

  send(_tx: EntityManager, tenantId: string, message: AccountMailMessage): Promise<void> {
    RecordingAccountMail.sent.push({ ...message, tenantId });
    return Promise.resolve();
  }

  static last(to: string, template: string): Recorded | undefined {
    return [...RecordingAccountMail.sent].reverse().find((m) => m.to === to && m.template === template);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hospital's admin sets its email sender in the console (issue #19: everything a blueprint can say), in the same
 * row the blueprint's `email:` block writes. The runtime role may now insert and update its own tenant's row: the
 * tenant_isolation policy's WITH CHECK keeps it to that tenant, and sender_lookup stays read-only. Deleting a sender
 * stays with the operator path (a blueprint without `email:`).
 */
export class ConsoleEmailSender1764660000000 implements MigrationInterface {
  name = 'ConsoleEmailSender1764660000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`GRANT INSERT, UPDATE ON tenant_email_senders TO consilium_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`REVOKE INSERT, UPDATE ON tenant_email_senders FROM consilium_app`);
  }
}

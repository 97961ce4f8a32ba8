import { Payment } from '@consilium/billing';
import { Clock, TenantDatabase } from '@consilium/core';
import { JobRunner } from '@consilium/jobs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestCase, readCase } from '../support/cases';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital } from '../support/tenants';

const DAY = 86_400_000;

/**
 * The promise's jobs through the real runner (its own database: pg-boss queues are platform-wide). Cases made while
 * the clock stood weeks back have their moments already past, so their jobs are due at once; the handlers judge by the
 * clock (back to the present) and the late email, the refund by rule and the check-in go out with no one calling them.
 */
describe('promise, refund-rule and check-in jobs', () => {
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let a: TestHospital;

  beforeAll(async () => {
    db = await isolatedDatabase('promise-jobs');
    app = await createTestApp({ ...db.env, JOBS_POLL_SECONDS: '0.5' }, {}, { domains: true });
    a = await createTestHospital(app, { refunds: { late: [{ after_days: 1, percent: 100 }] } });
  });

  afterAll(async () => {
    await app.get(JobRunner).stop();
    await app.close();
    await db.drop();
  });

  it('tells the patient the case is late, refunds it by rule and sends the 30-day check-in, once each', async () => {
    const clock = app.get(Clock);
    const spy = jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() - 20 * DAY));
    const late = await createTestCase(app, a, { state: 'assigned' });
    spy.mockReturnValue(new Date(Date.now() - 40 * DAY));
    const delivered = await createTestCase(app, a, { state: 'delivered', deliveredAt: new Date(Date.now() - 31 * DAY) });
    spy.mockRestore();

    await app.get(JobRunner).start({ queues: ['case-promise-due', 'refund-rule', 'check-in-due'] });
    const mails = (caseId: string, template: string) =>
      app
        .get(TenantDatabase)
        .forTenant(a.id, (tx): Promise<unknown[]> =>
          tx.query(`SELECT to_address FROM outbound_emails WHERE template = $1 AND data->>'caseId' = $2`, [template, caseId]),
        );
    await eventually(async () => {
      expect(await mails(late.id, 'running-late')).toHaveLength(1);
      expect(await mails(late.id, 'case-late')).toHaveLength(2); // the coordinator and the admin
      expect(await mails(delivered.id, 'check-in-due')).toHaveLength(1);
      const payment = await app
        .get(TenantDatabase)
        .forTenant(a.id, (tx) => tx.findOneByOrFail(Payment, { caseId: late.id, purpose: 'opinion' }));
      expect(payment.refundedMinor).toBe(payment.capturedMinor);
      expect(await mails(late.id, 'refund-issued')).toHaveLength(1);
    }, 30_000);
    expect((await readCase(app, a, late.id)).state).toBe('assigned');
    // The late email names the refund rule that applies.
    const [lateMail] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ data: Record<string, unknown> }[]> =>
        tx.query(`SELECT data FROM outbound_emails WHERE template = 'running-late' AND data->>'caseId' = $1`, [late.id]),
      );
    expect(lateMail.data).toMatchObject({ refundAfterDays: 1, refundPercent: 100 });
    // Nothing for the delivered case: when its jobs run the opinion is delivered, and rules refund nothing after delivery.
    expect(await mails(delivered.id, 'running-late')).toHaveLength(0);
    const kept = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.findOneByOrFail(Payment, { caseId: delivered.id, purpose: 'opinion' }));
    expect(kept.refundedMinor).toBe(0);
  });
});

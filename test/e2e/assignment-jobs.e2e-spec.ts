import { Case } from '@consilium/cases';
import { Clock, TenantDatabase } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { JobRunner } from '@consilium/jobs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestCase } from '../support/cases';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTestHospital, createTestPhysician, TestHospital, TestPeople, testBlueprint } from '../support/tenants';

/**
 * The deadline jobs themselves, through the real runner (its own database: pg-boss queues are platform-wide). An
 * assignment made while the clock stood two business days back has deadlines already past, so its jobs are due at
 * once; the handler judges by the clock (now back to the present) and the case moves on without anyone calling it.
 */
describe('assignment deadline jobs', () => {
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let a: TestHospital;
  let people: TestPeople;
  let secondId: string;

  beforeAll(async () => {
    db = await isolatedDatabase('assignment-jobs');
    app = await createTestApp(
      { ...db.env, JOBS_POLL_SECONDS: '0.5' },
      { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
      { domains: true },
    );
    a = await createTestHospital(app);
    const suffix = a.slug.slice(2);
    const doc = testBlueprint(a.slug).physicians![0];
    await applyTestBlueprint(
      app,
      testBlueprint(a.slug, {
        physicians: [
          doc,
          {
            ...doc,
            slug: `second-${suffix}`,
            name: 'Ben Second',
            licenses: [{ jurisdiction: 'US-NY', number: 'NY-2', expires: '2099-12-31' }],
          },
        ],
      }),
    );
    people = a.people;
    secondId = (await createTestPhysician(app, a, `second-${suffix}`)).id;
  });

  afterAll(async () => {
    await app.get(JobRunner).stop();
    await app.close();
    await db.drop();
  });

  it('lapses a missed accept deadline, reassigns and alerts, with no one calling the handler', async () => {
    const clock = app.get(Clock);
    const spy = jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() - 5 * 86400_000));
    // Accepted and assigned by the coordinator, as the console does, five days ago by the clock.
    const c = await createTestCase(app, a, { state: 'assigned' });
    spy.mockRestore();

    await app.get(JobRunner).start({ queues: ['assignment-deadline'] });
    await eventually(async () => {
      const row = await app.get(TenantDatabase).forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id: c.id }));
      expect(row).toMatchObject({ state: 'assigned', assignedPhysicianId: secondId });
    }, 20000);
    const mails = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(
          `SELECT template, to_address FROM outbound_emails WHERE data->>'caseId' = $1 OR (template = 'assignment-lapsed') ORDER BY created_at`,
          [c.id],
        ),
      );
    expect(mails).toEqual(
      expect.arrayContaining([
        { template: 'assignment-lapsed', to_address: people.coordinator.email },
        { template: 'case-assigned', to_address: expect.stringContaining('second-') },
      ]),
    );
  });
});

import { Case, CaseAssignments, CasePipeline, CasesModule } from '@consilium/cases';
import { Clock, TenantDatabase } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { JobRunner } from '@consilium/jobs';
import { OpinionsModule } from '@consilium/opinions';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ClsService } from 'nestjs-cls';
import { TenantResolver } from '@consilium/tenancy';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { createTestApp } from '../support/test-app';
import {
  applyTestBlueprint,
  createTestPeople,
  createTestPhysician,
  createTestTenant,
  TestPeople,
  TestTenant,
  testBlueprint,
} from '../support/tenants';

/**
 * The deadline jobs themselves, through the real runner (its own database: pg-boss queues are platform-wide). An
 * assignment made while the clock stood two business days back has deadlines already past, so its jobs are due at
 * once; the handler judges by the clock (now back to the present) and the case moves on without anyone calling it.
 */
describe('assignment deadline jobs', () => {
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let a: TestTenant;
  let people: TestPeople;
  let secondId: string;

  beforeAll(async () => {
    db = await isolatedDatabase('assignment-jobs');
    app = await createTestApp(
      { ...db.env, JOBS_POLL_SECONDS: '0.5' },
      { imports: [IdentityModule, CasesModule, OpinionsModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    a = await createTestTenant(app);
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
    people = await createTestPeople(app, a);
    secondId = (await createTestPhysician(app, a, `second-${suffix}`)).id;
  });

  afterAll(async () => {
    await app.get(JobRunner).stop();
    await app.close();
    await db.drop();
  });

  it('lapses a missed accept deadline, reassigns and alerts, with no one calling the handler', async () => {
    const pipeline = app.get(CasePipeline);
    const clock = app.get(Clock);
    const spy = jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() - 5 * 86400_000));
    const coordinator = { id: people.coordinator.id, kind: 'staff' as const, roles: ['coordinator'] };
    const c = await app.get(TenantDatabase).forTenant(a.id, async (tx) => {
      const [offering] = await tx.query('SELECT id FROM offerings WHERE slug = $1', [a.offeringSlug]);
      const created = await tx.save(
        Case,
        tx.create(Case, {
          tenantId: a.id,
          number: await pipeline.nextNumber(tx, a.id, 'TST'),
          state: 'draft',
          patientId: people.patient.id,
          offeringId: offering.id,
          jurisdiction: 'US-NY',
          route: 'direct',
          quoteAcceptedAt: new Date(),
          paymentAuthorizedAt: new Date(),
          questions: [],
        }),
      );
      await pipeline.move(tx, created.id, 'submit', 'patient', {
        facts: { consentsGiven: true },
        actor: { id: people.patient.id, kind: 'patient', roles: [] },
      });
      await pipeline.move(tx, created.id, 'start_triage', 'system');
      await pipeline.move(tx, created.id, 'accept', 'coordinator', { actor: coordinator });
      return created;
    });
    // The coordinator assigns, as the console does, five days ago by the clock.
    const [physician] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query('SELECT id FROM physicians WHERE account_id = $1', [people.physician.id]));
    const tenant = await app.get(TenantResolver).byId(a.id);
    const cls = app.get(ClsService);
    await cls.run(async () => {
      cls.set('tenant', tenant);
      cls.set('actor', coordinator);
      await app.get(CaseAssignments).assign(c.id, physician.id);
    });
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

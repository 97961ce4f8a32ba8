import { Case, CasePipeline, CasesModule } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';

/** CasePipeline.create numbers a case last (the counter row is locked until commit): still unique and gapless. */
describe('case numbers taken at the end of the transaction', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let people: TestPeople;

  beforeAll(async () => {
    app = await createTestApp(
      {},
      { imports: [IdentityModule, CasesModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    ({ a, b } = await createTwoHospitals(app));
    people = a.people;
  });

  afterAll(() => app.close());

  it('gives concurrent creations consecutive numbers, each with its first event', async () => {
    const pipeline = app.get(CasePipeline);
    const db = app.get(TenantDatabase);
    const create = () =>
      db.forTenant(a.id, (tx) =>
        pipeline.create(
          tx,
          { tenantId: a.id, patientId: people.patient.id, state: 'draft', questions: [] },
          'TST',
          { type: 'draft_started', toState: 'draft' },
          null,
        ),
      );
    const created = await Promise.all(Array.from({ length: 12 }, create));
    const numbers = created.map((c) => c.number).sort();
    expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => `TST-${new Date().getUTCFullYear()}-${String(i + 1).padStart(6, '0')}`));
    const rows = await db.forTenant(a.id, (tx) =>
      tx.query(
        `SELECT c.number, e.seq, e.type FROM cases c JOIN case_events e ON e.tenant_id = c.tenant_id AND e.case_id = c.id ORDER BY c.number`,
      ),
    );
    expect(rows).toHaveLength(12);
    expect(
      rows.every(
        (r: { seq: number; type: string; number: string }) => r.seq === 1 && r.type === 'draft_started' && !r.number.startsWith('pending-'),
      ),
    ).toBe(true);
    // The stored case reads back as created; the other tenant's counter is its own.
    expect(await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id: created[0].id }))).toMatchObject({
      number: created[0].number,
      state: 'draft',
    });
    expect(await db.forTenant(b.id, (tx) => tx.query('SELECT count(*)::int AS n FROM cases'))).toEqual([{ n: 0 }]);
  });
});

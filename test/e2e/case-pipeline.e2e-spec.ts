import { NotFound, TenantDatabase } from '@consilium/core';
import { Case, CasePipeline, CasesModule, MoveNotAllowed } from '@consilium/cases';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../support/test-app';
import { createTestPeople, createTestTenant, TestPeople, TestTenant } from '../support/tenants';

describe('case pipeline in the database', () => {
  let app: NestFastifyApplication;
  let db: TenantDatabase;
  let pipeline: CasePipeline;
  let a: TestTenant;
  let b: TestTenant;
  let peopleA: TestPeople;

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [CasesModule] });
    db = app.get(TenantDatabase);
    pipeline = app.get(CasePipeline);
    a = await createTestTenant(app);
    b = await createTestTenant(app);
    peopleA = await createTestPeople(app, a);
  });

  afterAll(() => app.close());

  async function draft(tenant = a, patientId = peopleA.patient.id): Promise<Case> {
    return db.forTenant(tenant.id, async (tx) => {
      const number = await pipeline.nextNumber(tx, tenant.id, 'TST');
      return tx.save(
        Case,
        tx.create(Case, {
          tenantId: tenant.id,
          number,
          state: 'draft',
          patientId,
          route: 'direct',
          quoteAcceptedAt: new Date(),
          paymentAuthorizedAt: new Date(),
        }),
      );
    });
  }

  it('numbers cases per tenant and year without gaps or repeats under concurrency', async () => {
    const numbers = await Promise.all(Array.from({ length: 20 }, () => draft().then((c) => c.number)));
    const year = new Date().getUTCFullYear();
    const sequence = numbers.map((n) => Number(n.split('-')[2])).sort((x, y) => x - y);
    expect(new Set(numbers).size).toBe(20);
    expect(numbers.every((n) => n.startsWith(`TST-${year}-`))).toBe(true);
    expect(sequence[sequence.length - 1] - sequence[0]).toBe(19);
  });

  it('moves a case and appends one event per move, in order', async () => {
    const c = await draft();
    await db.forTenant(a.id, (tx) => pipeline.move(tx, c.id, 'submit', 'patient', { facts: { consentsGiven: true } }));
    await db.forTenant(a.id, (tx) => pipeline.move(tx, c.id, 'start_triage', 'system'));
    await db.forTenant(a.id, (tx) => pipeline.move(tx, c.id, 'request_records', 'coordinator', { reason: 'Need the CT report' }));
    const events = await db.forTenant(a.id, (tx) =>
      tx.query('SELECT seq, type, from_state, to_state, data FROM case_events WHERE case_id = $1 ORDER BY seq', [c.id]),
    );
    expect(events).toEqual([
      { seq: 1, type: 'submit', from_state: 'draft', to_state: 'submitted', data: {} },
      { seq: 2, type: 'start_triage', from_state: 'submitted', to_state: 'triage', data: {} },
      { seq: 3, type: 'request_records', from_state: 'triage', to_state: 'awaiting_records', data: { reason: 'Need the CT report' } },
    ]);
    const stored = await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id: c.id }));
    expect(stored.state).toBe('awaiting_records');
    expect(stored.submittedAt).toBeInstanceOf(Date);
  });

  it('refuses a move the table does not allow, and changes nothing', async () => {
    const c = await draft();
    await expect(db.forTenant(a.id, (tx) => pipeline.move(tx, c.id, 'accept', 'coordinator'))).rejects.toThrow(MoveNotAllowed);
    const [{ count }] = await db.forTenant(a.id, (tx) =>
      tx.query('SELECT count(*)::int AS count FROM case_events WHERE case_id = $1', [c.id]),
    );
    expect(count).toBe(0);
  });

  it('keeps events immutable even for the app', async () => {
    const c = await draft();
    await db.forTenant(a.id, (tx) => pipeline.move(tx, c.id, 'cancel', 'patient'));
    await expect(db.forTenant(a.id, (tx) => tx.query(`UPDATE case_events SET type = 'x' WHERE case_id = $1`, [c.id]))).rejects.toThrow(
      /permission denied/,
    );
    await expect(db.forTenant(a.id, (tx) => tx.query(`DELETE FROM case_events WHERE case_id = $1`, [c.id]))).rejects.toThrow(
      /permission denied/,
    );
  });

  it("does not find another tenant's case", async () => {
    const c = await draft();
    await expect(db.forTenant(b.id, (tx) => pipeline.move(tx, c.id, 'cancel', 'patient'))).rejects.toThrow(NotFound);
    expect(await db.forTenant(b.id, (tx) => tx.findOneBy(Case, { id: c.id }))).toBeNull();
    // A case of tenant B cannot point at tenant A's patient: the composite key forbids it.
    await expect(draft(b, peopleA.patient.id)).rejects.toThrow(/foreign key/);
  });
});

import { NotFound, TenantDatabase } from '@consilium/core';
import { Case, CasePipeline, MoveNotAllowed } from '@consilium/cases';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestCase } from '../support/cases';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';

describe('case pipeline in the database', () => {
  let app: NestFastifyApplication;
  let db: TenantDatabase;
  let pipeline: CasePipeline;
  let a: TestHospital;
  let b: TestHospital;

  beforeAll(async () => {
    app = await createTestApp({}, {}, { domains: true });
    db = app.get(TenantDatabase);
    pipeline = app.get(CasePipeline);
    ({ a, b } = await createTwoHospitals(app));
  });

  afterAll(() => app.close());

  /** A bare draft through the pipeline's own create (what intake's first step calls), for the primitives below. */
  function created(tenant: TestHospital, patientId: string): Promise<Case> {
    return db.forTenant(tenant.id, (tx) =>
      pipeline.create(tx, { tenantId: tenant.id, state: 'draft', patientId }, 'TST', { type: 'draft_started', toState: 'draft' }, null),
    );
  }

  it('numbers cases per tenant and year without gaps or repeats under concurrency', async () => {
    const numbers = await Promise.all(Array.from({ length: 20 }, () => created(a, a.people.patient.id).then((c) => c.number)));
    const year = new Date().getUTCFullYear();
    const sequence = numbers.map((n) => Number(n.split('-')[2])).sort((x, y) => x - y);
    expect(new Set(numbers).size).toBe(20);
    expect(numbers.every((n) => n.startsWith(`TST-${year}-`))).toBe(true);
    expect(sequence[sequence.length - 1] - sequence[0]).toBe(19);
  });

  it('moves a case and appends one event per move, in order', async () => {
    const c = await createTestCase(app, a, { state: 'submitted' });
    const [{ seq }] = await db.forTenant(a.id, (tx): Promise<{ seq: number }[]> =>
      tx.query('SELECT max(seq)::int AS seq FROM case_events WHERE case_id = $1', [c.id]),
    );
    await db.forTenant(a.id, (tx) => pipeline.move(tx, c.id, 'start_triage', 'system'));
    await db.forTenant(a.id, (tx) => pipeline.move(tx, c.id, 'request_records', 'coordinator', { reason: 'Need the CT report' }));
    const events = await db.forTenant(a.id, (tx): Promise<unknown[]> =>
      tx.query('SELECT seq, type, from_state, to_state, data FROM case_events WHERE case_id = $1 AND seq > $2 ORDER BY seq', [c.id, seq]),
    );
    expect(events).toEqual([
      { seq: seq + 1, type: 'start_triage', from_state: 'submitted', to_state: 'triage', data: {} },
      { seq: seq + 2, type: 'request_records', from_state: 'triage', to_state: 'awaiting_records', data: { reason: 'Need the CT report' } },
      // Asking for records pauses the promise of triage, and the patient is told once: both follow the move.
      { seq: seq + 3, type: 'promise_paused', from_state: null, to_state: null, data: {} },
      { seq: seq + 4, type: 'patient_notified', from_state: null, to_state: null, data: { milestone: 'records_requested' } },
    ]);
    const stored = await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id: c.id }));
    expect(stored.state).toBe('awaiting_records');
    expect(stored.submittedAt).toBeInstanceOf(Date);
  });

  it('refuses a move the table does not allow, and changes nothing', async () => {
    const c = await createTestCase(app, a, { state: 'submitted' });
    const count = async () => {
      const [{ n }] = await db.forTenant(a.id, (tx): Promise<{ n: number }[]> =>
        tx.query('SELECT count(*)::int AS n FROM case_events WHERE case_id = $1', [c.id]),
      );
      return n;
    };
    const before = await count();
    await expect(db.forTenant(a.id, (tx) => pipeline.move(tx, c.id, 'accept', 'coordinator'))).rejects.toThrow(MoveNotAllowed);
    expect(await count()).toBe(before);
  });

  it('keeps events immutable even for the app', async () => {
    const c = await createTestCase(app, a, { state: 'draft' });
    await db.forTenant(a.id, (tx) => pipeline.move(tx, c.id, 'cancel', 'patient'));
    await expect(db.forTenant(a.id, (tx) => tx.query(`UPDATE case_events SET type = 'x' WHERE case_id = $1`, [c.id]))).rejects.toThrow(
      /permission denied/,
    );
    await expect(db.forTenant(a.id, (tx) => tx.query(`DELETE FROM case_events WHERE case_id = $1`, [c.id]))).rejects.toThrow(
      /permission denied/,
    );
  });

  it("does not find another tenant's case", async () => {
    const c = await createTestCase(app, a, { state: 'submitted' });
    await expect(db.forTenant(b.id, (tx) => pipeline.move(tx, c.id, 'cancel', 'patient'))).rejects.toThrow(NotFound);
    expect(await db.forTenant(b.id, (tx) => tx.findOneBy(Case, { id: c.id }))).toBeNull();
    // A case of tenant B cannot point at tenant A's patient: the composite key forbids it.
    await expect(created(b, a.people.patient.id)).rejects.toThrow(/foreign key/);
  });
});

import { AnalyticsModule, anonymousPercentile } from '@consilium/analytics';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { AccountMail, IdentityModule, OperatorAccounts } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { insertCase, tableCells, tenantIds } from '../support/analytics-data';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { freshCode, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TEST_PASSWORD, TEST_TOTP_SECRET, TestPeople, TestTenant } from '../support/tenants';
import { WebClient } from '../support/web-client';

/**
 * Operators compare hospitals through percentiles that never are one hospital's figure. A database of its own, so
 * the hospitals counted are exactly this suite's.
 */
describe('operator benchmarks across hospitals', () => {
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let operator: WebClient;
  const hospitals: { tenant: TestTenant; people: TestPeople }[] = [];

  // Of 20 intakes started this month, this many submitted: 50%, 55%, 65%, 80%, 85%, 95%.
  const SUBMITTED = [10, 11, 13, 16, 17, 19];

  async function hospital(submitted: number, started = 20): Promise<void> {
    const tenant = await createTestHospital(app);
    const { people } = tenant;
    const ids = await tenantIds(app, tenant);
    const at = new Date(Date.now() - 3600_000).toISOString();
    await app.get(OperatorDatabase).forTenant(tenant.id, async (tx) => {
      for (let i = 0; i < started; i++) {
        await insertCase(tx, tenant, ids, people, {
          createdAt: at,
          jurisdictionClass: 'in_state',
          jurisdiction: 'US-NY',
          events: i < submitted ? [['submit', at]] : [],
        });
      }
    });
    hospitals.push({ tenant, people });
  }

  const submittedRow = async () =>
    tableCells((await operator.get('/operator/benchmarks?months=3')).text, 'benchmarks').find(
      (r) => r[0] === 'Requests submitted per intake started',
    )!;

  beforeAll(async () => {
    db = await isolatedDatabase('analytics-benchmarks');
    app = await createTestApp(db.env, {
      imports: [IdentityModule, AnalyticsModule],
      providers: [{ provide: AccountMail, useClass: RecordingAccountMail }],
    });
    const email = `bench.${Date.now()}@consilium.example`;
    await app.get(OperatorAccounts).upsert({ email, name: 'Ops', password: TEST_PASSWORD, totpSecret: TEST_TOTP_SECRET });
    operator = new WebClient(app, 'admin.localhost');
    await operator.submit('/operator/sign-in', { email, password: TEST_PASSWORD });
    await operator.submit('/operator/mfa', { code: await freshCode(email, undefined, app) });
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('shows nothing until five hospitals qualify, and a hospital with too few cases does not count', async () => {
    for (const n of SUBMITTED.slice(0, 4)) await hospital(n);
    await hospital(3, 6); // 6 intakes: too few to count
    const row = await submittedRow();
    expect(row).toEqual(['Requests submitted per intake started', '4', 'Not enough hospitals to show without revealing one']);
  });

  it('shows p25, p50 and p75 as means of neighbouring hospitals: never one hospital, never the lowest or highest', async () => {
    for (const n of SUBMITTED.slice(4)) await hospital(n);
    const row = await submittedRow();
    // Sorted 50, 55, 65, 80, 85, 95: p25 = mean(50, 55, 65), p50 = mean(65, 80, 85), p75 = mean(80, 85, 95).
    expect(row).toEqual(['Requests submitted per intake started', '6', '56.7%', '76.7%', '86.7%']);
    const own = SUBMITTED.map((n) => `${((n / 20) * 100).toFixed(1)}%`);
    for (const figure of row.slice(2)) expect(own).not.toContain(figure);
    const page = await operator.get('/operator/benchmarks?months=3');
    expect(page.text).not.toContain('50.0%');
    expect(page.text).not.toContain('95.0%');
    for (const { tenant } of hospitals) {
      expect(page.text).not.toContain(tenant.slug);
      expect(page.text).not.toContain(tenant.name);
    }
  });

  it('is for operators only', async () => {
    const admin = new WebClient(app, hospitals[0].tenant.host);
    await signInStaff(admin, hospitals[0].people.admin);
    expect([401, 403, 404]).toContain((await admin.get('/operator/benchmarks')).status);
    const anonymous = await new WebClient(app, 'admin.localhost').get('/operator/benchmarks');
    expect(anonymous.status).toBe(303);
    expect(anonymous.location).toContain('/operator/sign-in');
  });

  it('computes percentiles from at least five values, always as a mean of three', () => {
    expect(anonymousPercentile([1, 2, 3, 4], 0.5)).toBeNull();
    expect(anonymousPercentile([10, 20, 30, 40, 50], 0.5)).toBe(30);
    expect(anonymousPercentile([10, 20, 31, 40, 50], 0)).toBe(20.3);
    expect(anonymousPercentile([10, 20, 31, 40, 52], 1)).toBe(41);
  });
});

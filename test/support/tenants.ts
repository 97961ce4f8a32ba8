import {
  ApplyOptions,
  ApplyResult,
  BlueprintApplier,
  BlueprintConflict,
  BlueprintInput,
  blueprintSchema,
  LoadedBlueprint,
  parseInCurrency,
  sniffImage,
} from '@consilium/tenancy';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { INestApplicationContext } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';

export interface TestTenant {
  id: string;
  slug: string;
  name: string;
  host: string;
  /** Slugs unique to this tenant, so a suite can ask for them on another tenant's host. */
  specialtySlug: string;
  offeringSlug: string;
  physicianSlug: string;
}

export interface TestPeople {
  /** One account per role, all with TEST_PASSWORD; staff enrolled in TOTP with TEST_TOTP_SECRET. */
  admin: TestPerson;
  coordinator: TestPerson;
  physician: TestPerson;
  patient: TestPerson;
}

export interface TestPerson {
  id: string;
  email: string;
}

export const TEST_PASSWORD = 'correct horse battery staple';
export const TEST_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

const LOGO = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');

/** A small but complete hospital: one specialty with an offering and add-on, one licensed physician, a FAQ. */
export function testBlueprint(slug: string, overrides: Partial<BlueprintInput> = {}): BlueprintInput {
  const suffix = slug.replace(/^t-/, '');
  return {
    slug,
    name: `Test Hospital ${slug}`,
    case_prefix: testCasePrefix(slug),
    time_zone: 'America/New_York',
    currency: 'USD',
    branding: { logo: 'assets/logo.svg', colors: { primary: '#123456', accent: '#abcdef' } },
    licensure: { home_state: 'US-NY', unlicensed_states: 'educational', international: 'decline' },
    specialties: [{ slug: `spec-${suffix}`, name: 'Test Cardiology', summary: 'Heart reviews for tests.' }],
    offerings: [
      {
        slug: `review-${suffix}`,
        specialty: `spec-${suffix}`,
        name: 'Test heart review',
        description: 'A review used by tests.',
        price: '500.00',
        turnaround_days: 5,
        add_ons: [{ code: 'imaging-reread', name: 'Imaging re-read', price: '150.00' }],
      },
    ],
    price_rules: [{ region: 'out_of_state', surcharge: '50.00' }],
    physicians: [
      {
        slug: `doc-${suffix}`,
        name: `Doctor ${suffix}`,
        credentials: 'MD',
        title: 'Cardiologist',
        bio: 'Reviews test cases.',
        specialties: [`spec-${suffix}`],
        licenses: [{ jurisdiction: 'US-NY', number: `NY-${suffix}`, expires: '2099-12-31' }],
        // Room for every case a suite assigns (the ranking refuses a physician at capacity).
        weekly_capacity: 20,
        stipend: '200.00',
      },
    ],
    faqs: [{ question: 'Is this a test?', answer: 'Yes.' }],
    ...overrides,
  };
}

/** Applies a blueprint object as the CLI would apply the folder (same operator path, same sections). */
export async function applyTestBlueprint(
  app: INestApplicationContext,
  input: BlueprintInput,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const blueprint = parseInCurrency(input.currency, () => blueprintSchema.parse(input));
  const loaded: LoadedBlueprint = {
    dir: `/virtual/${blueprint.slug}`,
    file: `tenants/${blueprint.slug}/tenant.yaml`,
    blueprint,
    assets: [{ name: 'logo.svg', contentType: sniffImage(LOGO)!, bytes: LOGO, sha256: createHash('sha256').update(LOGO).digest('hex') }],
  };
  // Case prefixes are unique across the platform. A suite that did not choose one gets the prefix its hospital
  // already has, or a free one (two workers may race for the same letters: the loser takes others).
  if (blueprint.case_prefix !== testCasePrefix(blueprint.slug)) return app.get(BlueprintApplier).apply(loaded, options);
  const [existing]: { case_prefix: string }[] = await app
    .get(OperatorDatabase)
    .transaction((tx) => tx.query('SELECT case_prefix FROM tenants WHERE slug = $1', [blueprint.slug]));
  if (existing) blueprint.case_prefix = existing.case_prefix;
  for (let attempt = 0; ; attempt++) {
    try {
      return await app.get(BlueprintApplier).apply(loaded, options);
    } catch (error) {
      const taken = error instanceof BlueprintConflict || (error as { code?: string }).code === '23505';
      if (existing || attempt >= 10 || !taken || !/case_prefix/.test(String((error as Error).message))) throw error;
      blueprint.case_prefix = testCasePrefix(`${blueprint.slug}:${attempt}`);
    }
  }
}

/** Five capital letters from a test hospital's slug (whose random part makes them almost always free). */
export function testCasePrefix(slug: string): string {
  const bytes = createHash('sha256').update(slug).digest();
  return Array.from(bytes.subarray(0, 5), (b) => String.fromCharCode(65 + (b % 26))).join('');
}

/**
 * A fresh tenant with a unique slug, its catalog and roster, applied through the same operator path as blueprints
 * (medplum's createTestProject), so every suite can test the other tenant too.
 */
export async function createTestTenant(app: INestApplicationContext, overrides: Partial<BlueprintInput> = {}): Promise<TestTenant> {
  const slug = `t-${randomBytes(5).toString('hex')}`;
  const suffix = slug.slice(2);
  const input = testBlueprint(slug, overrides);
  const result = await applyTestBlueprint(app, input);
  return {
    id: result.tenantId,
    slug,
    name: input.name,
    host: input.primary_domain ?? `${slug}.localhost`,
    specialtySlug: `spec-${suffix}`,
    offeringSlug: `review-${suffix}`,
    physicianSlug: `doc-${suffix}`,
  };
}

/** Staff of each role (TOTP enrolled) and a patient for a test tenant, written through the operator path. */
export async function createTestPeople(app: INestApplicationContext, tenant: TestTenant): Promise<TestPeople> {
  const { TenantDatabase, SecretBox, AppConfig } = await import('@consilium/core');
  const { hashPassword } = await import('@consilium/identity');
  const box = new SecretBox(app.get(AppConfig).appSecret, 'totp');
  const hash = await hashPassword(TEST_PASSWORD);
  return app.get(TenantDatabase).forTenant(tenant.id, async (tx) => {
    const make = async (kind: string, role: string | null): Promise<TestPerson> => {
      const email = `${role ?? kind}.${tenant.slug}@example.org`;
      const [row]: { id: string }[] = await tx.query(
        `INSERT INTO accounts (tenant_id, kind, email, name, password_hash, email_verified_at, totp_secret, totp_enabled_at)
         VALUES ($1, $2, $3, $4, $5, now(), $6, $7) RETURNING id`,
        [
          tenant.id,
          kind,
          email,
          `${role ?? kind} ${tenant.slug}`,
          hash,
          role ? box.seal(TEST_TOTP_SECRET) : null,
          role ? new Date() : null,
        ],
      );
      if (role) await tx.query('INSERT INTO staff_roles (tenant_id, account_id, role) VALUES ($1, $2, $3)', [tenant.id, row.id, role]);
      return { id: row.id, email };
    };
    const people = {
      admin: await make('staff', 'admin'),
      coordinator: await make('staff', 'coordinator'),
      physician: await make('staff', 'physician'),
      patient: await make('patient', null),
    };
    // The physician account is the tenant's roster physician, as an admin links them at /console/physicians.
    await tx.query('UPDATE physicians SET account_id = $1 WHERE tenant_id = $2 AND slug = $3', [
      people.physician.id,
      tenant.id,
      tenant.physicianSlug,
    ]);
    return people;
  });
}

/** Another staff physician (TOTP enrolled), linked to the roster physician `physicianSlug` of the tenant. */
export async function createTestPhysician(app: INestApplicationContext, tenant: TestTenant, physicianSlug: string): Promise<TestPerson> {
  const { TenantDatabase, SecretBox, AppConfig } = await import('@consilium/core');
  const { hashPassword } = await import('@consilium/identity');
  const box = new SecretBox(app.get(AppConfig).appSecret, 'totp');
  const hash = await hashPassword(TEST_PASSWORD);
  return app.get(TenantDatabase).forTenant(tenant.id, async (tx) => {
    const email = `${physicianSlug}.${tenant.slug}@example.org`;
    const [row]: { id: string }[] = await tx.query(
      `INSERT INTO accounts (tenant_id, kind, email, name, password_hash, email_verified_at, totp_secret, totp_enabled_at)
       VALUES ($1, 'staff', $2, $3, $4, now(), $5, now()) RETURNING id`,
      [tenant.id, email, `physician ${physicianSlug}`, hash, box.seal(TEST_TOTP_SECRET)],
    );
    await tx.query(`INSERT INTO staff_roles (tenant_id, account_id, role) VALUES ($1, $2, 'physician')`, [tenant.id, row.id]);
    await tx.query('UPDATE physicians SET account_id = $1 WHERE tenant_id = $2 AND slug = $3', [row.id, tenant.id, physicianSlug]);
    return { id: row.id, email };
  });
}

/** A translator (TOTP enrolled): the staff role that reviews and releases translated opinions. */
export async function createTestTranslator(app: INestApplicationContext, tenant: TestTenant): Promise<TestPerson> {
  const { TenantDatabase, SecretBox, AppConfig } = await import('@consilium/core');
  const { hashPassword } = await import('@consilium/identity');
  const box = new SecretBox(app.get(AppConfig).appSecret, 'totp');
  const hash = await hashPassword(TEST_PASSWORD);
  return app.get(TenantDatabase).forTenant(tenant.id, async (tx) => {
    const email = `translator.${tenant.slug}@example.org`;
    const [row]: { id: string }[] = await tx.query(
      `INSERT INTO accounts (tenant_id, kind, email, name, password_hash, email_verified_at, totp_secret, totp_enabled_at)
       VALUES ($1, 'staff', $2, $3, $4, now(), $5, now()) RETURNING id`,
      [tenant.id, email, `translator ${tenant.slug}`, hash, box.seal(TEST_TOTP_SECRET)],
    );
    await tx.query(`INSERT INTO staff_roles (tenant_id, account_id, role) VALUES ($1, $2, 'translator')`, [tenant.id, row.id]);
    return { id: row.id, email };
  });
}

/** A staff member with one role (a medical director, say), TOTP enrolled like the others. */
export async function createTestStaffMember(app: INestApplicationContext, tenant: TestTenant, role: string): Promise<TestPerson> {
  const { TenantDatabase, SecretBox, AppConfig } = await import('@consilium/core');
  const { hashPassword } = await import('@consilium/identity');
  const box = new SecretBox(app.get(AppConfig).appSecret, 'totp');
  const hash = await hashPassword(TEST_PASSWORD);
  return app.get(TenantDatabase).forTenant(tenant.id, async (tx) => {
    const email = `${role.replace(/_/g, '-')}.${tenant.slug}@example.org`;
    const [row]: { id: string }[] = await tx.query(
      `INSERT INTO accounts (tenant_id, kind, email, name, password_hash, email_verified_at, totp_secret, totp_enabled_at)
       VALUES ($1, 'staff', $2, $3, $4, now(), $5, now()) RETURNING id`,
      [tenant.id, email, `${role} ${tenant.slug}`, hash, box.seal(TEST_TOTP_SECRET)],
    );
    await tx.query(`INSERT INTO staff_roles (tenant_id, account_id, role) VALUES ($1, $2, $3)`, [tenant.id, row.id, role]);
    return { id: row.id, email };
  });
}

/** A hospital as a suite uses it: the tenant, its catalog and roster, and one person of each role. */
export interface TestHospital extends TestTenant {
  people: TestPeople;
}

/**
 * A tenant with its staff (admin, coordinator, physician linked to the roster physician, all TOTP enrolled) and a
 * patient, in one call (medplum's createTestProject).
 */
export async function createTestHospital(app: INestApplicationContext, overrides: Partial<BlueprintInput> = {}): Promise<TestHospital> {
  const tenant = await createTestTenant(app, overrides);
  return { ...tenant, people: await createTestPeople(app, tenant) };
}

/**
 * Two hospitals, built the same way: `a`, the one a suite works in, and `b`, the other one every suite that reads
 * tenant data also tries (and expects 404 from).
 */
export async function createTwoHospitals(
  app: INestApplicationContext,
  overrides: { a?: Partial<BlueprintInput>; b?: Partial<BlueprintInput> } = {},
): Promise<{ a: TestHospital; b: TestHospital }> {
  const a = await createTestHospital(app, overrides.a);
  const b = await createTestHospital(app, overrides.b);
  return { a, b };
}

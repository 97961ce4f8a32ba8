import { Injectable } from '@nestjs/common';
import { AppConfig, first, SecretBox, TenantDatabase } from '@consilium/core';
import { TenantDirectory } from '@consilium/tenancy';
import { OperatorAccounts } from '../operators/operator-accounts.service';
import { hashPassword } from '../password-policy';
import { StaffRole } from '../permissions';

/** Everyone in the demo uses this password; it is printed at start and in the README. Demo data only. */
export const DEMO_PASSWORD = 'demo-second-opinion';
/**
 * The demo's shared authenticator seed, so a newcomer can pass the mandatory second factor: add it to any
 * authenticator app, or run `npm run cli -- demo code` for the current 6-digit code.
 */
export const DEMO_TOTP_SECRET = 'KRSXG5CTMVRXEZLUNZQW2ZLTOQ2DMNZR';

export interface DemoAccount {
  tenant?: string;
  role: string;
  email: string;
  signIn: string;
}

const STAFF: { local: string; name: string; roles: StaffRole[] }[] = [
  { local: 'admin', name: 'Alex Admin', roles: ['admin'] },
  { local: 'coordinator', name: 'Casey Coordinator', roles: ['coordinator'] },
  { local: 'physician', name: 'Dr. Pat Physician', roles: ['physician'] },
  { local: 'translator', name: 'Tess Translator', roles: ['translator'] },
  { local: 'director', name: 'Dr. Morgan Director', roles: ['medical_director'] },
];

/**
 * Demo accounts for each role on each demo hospital, plus a platform operator. Created when missing, never
 * overwritten; only the embedded default runs this. A hospital is a demo one only when its blueprint says
 * `demo: true`: a real hospital dropped into tenants/ gets no account with the published password, whatever it is
 * asked for.
 */
@Injectable()
export class DemoAccounts {
  constructor(
    private readonly db: TenantDatabase,
    private readonly tenants: TenantDirectory,
    private readonly operators: OperatorAccounts,
    private readonly config: AppConfig,
  ) {}

  async ensure(tenantSlugs: string[]): Promise<DemoAccount[]> {
    const box = new SecretBox(this.config.appSecret, 'totp');
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const list: DemoAccount[] = [];
    const operatorEmail = `operator@${this.config.raw.PLATFORM_DOMAIN === 'localhost' ? 'consilium.localhost' : this.config.raw.PLATFORM_DOMAIN}`;
    if (!(await this.operators.exists(operatorEmail)))
      await this.operators.upsert({ email: operatorEmail, name: 'Olivia Operator', password: DEMO_PASSWORD, totpSecret: DEMO_TOTP_SECRET });
    list.push({ role: 'operator', email: operatorEmail, signIn: `${this.config.originFor(this.config.operatorHost)}/operator/sign-in` });

    for (const slug of tenantSlugs) {
      const tenantId = await this.tenants.demoIdOf(slug);
      if (!tenantId) continue;
      const origin = this.config.originFor(this.config.platformHostFor(slug));
      // The hospital's own rows, in its own transaction: row-level security applies as for any request.
      await this.db.forTenant(tenantId, async (tx) => {
        for (const staff of STAFF) {
          const email = `${staff.local}@${slug}.example`;
          const row = await first<{ id: string }>(
            tx,
            `INSERT INTO accounts (tenant_id, kind, email, name, password_hash, email_verified_at, totp_secret, totp_enabled_at)
             VALUES ($1, 'staff', $2, $3, $4, now(), $5, now()) ON CONFLICT (tenant_id, kind, email) DO NOTHING RETURNING id`,
            [tenantId, email, staff.name, passwordHash, box.seal(DEMO_TOTP_SECRET)],
          );
          if (row)
            for (const role of staff.roles)
              await tx.query('INSERT INTO staff_roles (tenant_id, account_id, role) VALUES ($1, $2, $3)', [tenantId, row.id, role]);
          // The demo physician signs in as the hospital's first physician, so cases can be assigned to them. The one
          // write identity makes to the roster's table, and only for demo data.
          if (row && staff.roles.includes('physician')) {
            await tx.query(
              `UPDATE physicians SET account_id = $1 WHERE id = (SELECT id FROM physicians WHERE active AND account_id IS NULL ORDER BY position, slug LIMIT 1)`,
              [row.id],
            );
          }
          list.push({ tenant: slug, role: staff.roles.join('+'), email, signIn: `${origin}/console/sign-in` });
        }
        const patient = `patient@${slug}.example`;
        await tx.query(
          `INSERT INTO accounts (tenant_id, kind, email, name, password_hash, email_verified_at)
           VALUES ($1, 'patient', $2, 'Jordan Patient', $3, now()) ON CONFLICT (tenant_id, kind, email) DO NOTHING`,
          [tenantId, patient, passwordHash],
        );
        list.push({ tenant: slug, role: 'patient', email: patient, signIn: `${origin}/sign-in` });
      });
    }
    return list;
  }
}

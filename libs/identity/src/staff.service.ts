import { Injectable } from '@nestjs/common';
import { AppConfig, InvalidInput, msg, NotFound, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { Account } from './account.entity';
import { AccountMail } from './account-mail';
import { OneTimeTokens, TOKEN_LIFETIME_MINUTES } from './one-time-tokens.service';
import { hashPassword, passwordProblem } from './password-policy';
import { STAFF_ROLES, StaffRole } from './permissions';
import { SessionService } from './session.service';

export interface StaffMember {
  id: string;
  email: string;
  name: string;
  roles: StaffRole[];
  mfaEnrolled: boolean;
  disabled: boolean;
  invited: boolean;
}

/** The hospital's staff: admins invite people, give them roles, and disable them. */
@Injectable()
export class StaffService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly tokens: OneTimeTokens,
    private readonly sessions: SessionService,
    private readonly mail: AccountMail,
  ) {}

  list(): Promise<StaffMember[]> {
    return this.db.transaction(async (tx) => {
      const staff = await rows<{
        id: string;
        email: string;
        name: string;
        roles: StaffRole[];
        mfa: boolean;
        disabled: boolean;
        invited: boolean;
      }>(
        tx,
        `
        SELECT a.id, a.email, a.name, a.totp_enabled_at IS NOT NULL AS mfa, a.disabled_at IS NOT NULL AS disabled,
               a.password_hash IS NULL AS invited,
               coalesce(array_agg(r.role ORDER BY r.role) FILTER (WHERE r.role IS NOT NULL), '{}') AS roles
          FROM accounts a LEFT JOIN staff_roles r ON r.tenant_id = a.tenant_id AND r.account_id = a.id
         WHERE a.kind = 'staff' GROUP BY a.tenant_id, a.id ORDER BY a.name, a.email`,
      );
      return staff.map((r) => ({
        id: r.id,
        email: r.email,
        name: r.name,
        roles: r.roles,
        mfaEnrolled: r.mfa,
        disabled: r.disabled,
        invited: r.invited,
      }));
    });
  }

  /** The staff member with this email at the current hospital, if any. */
  async findByEmail(emailTyped: string): Promise<StaffMember | null> {
    const email = emailTyped.trim().toLowerCase();
    return (await this.list()).find((m) => m.email === email) ?? null;
  }

  /** Creates the staff account (no password yet) and emails an invitation link. */
  async invite(input: { email: string; name: string; roles: StaffRole[]; locale: string }): Promise<string> {
    const email = input.email.trim().toLowerCase();
    const roles = [...new Set(input.roles)].filter((r): r is StaffRole => (STAFF_ROLES as readonly string[]).includes(r));
    if (!roles.length) throw new InvalidInput({ roles: msg('identity.staff.chooseRole') });
    const tenant = this.context.tenant<ResolvedTenant>();
    return this.db.transaction(async (tx) => {
      if (await tx.findOneBy(Account, { kind: 'staff', email })) throw new InvalidInput({ email: msg('identity.staff.emailTaken') });
      const account = await tx.save(
        Account,
        tx.create(Account, {
          tenantId: tenant.id,
          kind: 'staff',
          email,
          name: input.name.trim(),
          locale: input.locale,
          emailVerifiedAt: null,
        }),
      );
      for (const role of roles)
        await tx.query('INSERT INTO staff_roles (tenant_id, account_id, role) VALUES ($1, $2, $3)', [tenant.id, account.id, role]);
      const token = await this.tokens.issue(tx, tenant.id, account.id, 'invitation');
      await this.mail.send(tx, tenant.id, {
        to: email,
        template: 'staff-invitation',
        locale: input.locale,
        data: {
          hospitalName: tenant.name,
          url: `${this.config.originFor(tenant.primaryHost ?? this.context.host()!)}/console/invitation/${token}`,
          expiresInMinutes: TOKEN_LIFETIME_MINUTES.invitation,
        },
      });
      return account.id;
    });
  }

  /** The invited person chooses a password; the second factor is enrolled at first sign-in. */
  async acceptInvitation(token: string, password: string): Promise<Account> {
    return this.db.transaction(async (tx) => {
      const accountId = await this.tokens.peek(tx, token, 'invitation');
      if (!accountId) throw new InvalidInput({ _form: msg('identity.invitation.expired') });
      const account = await tx.findOneByOrFail(Account, { id: accountId });
      const problem = passwordProblem(password, account.email);
      if (problem) throw new InvalidInput({ password: problem });
      await this.tokens.consume(tx, token, 'invitation');
      await tx.update(
        Account,
        { tenantId: account.tenantId, id: account.id },
        { passwordHash: await hashPassword(password), emailVerifiedAt: new Date() },
      );
      return account;
    });
  }

  invitationAccount(token: string): Promise<Account | null> {
    return this.db.transaction(async (tx) => {
      const id = await this.tokens.peek(tx, token, 'invitation');
      return id ? tx.findOneBy(Account, { id }) : null;
    });
  }

  async setRoles(accountId: string, roles: StaffRole[]): Promise<void> {
    if (!roles.length) throw new InvalidInput({ roles: msg('identity.staff.chooseRole') });
    await this.db.transaction(async (tx) => {
      const account = await tx.findOneBy(Account, { id: accountId, kind: 'staff' });
      if (!account) throw new NotFound();
      await tx.query('DELETE FROM staff_roles WHERE account_id = $1', [accountId]);
      for (const role of roles)
        await tx.query('INSERT INTO staff_roles (tenant_id, account_id, role) VALUES ($1, $2, $3)', [account.tenantId, accountId, role]);
      // A change of privilege ends the person's sessions: they sign in again with the new roles.
      await this.sessions.revokeAll(tx, accountId);
    });
  }

  /** Disabling takes effect on the person's next request: the session lookup refuses disabled accounts. */
  async setDisabled(accountId: string, disabled: boolean): Promise<void> {
    await this.db.transaction(async (tx) => {
      const account = await tx.findOneBy(Account, { id: accountId, kind: 'staff' });
      if (!account) throw new NotFound();
      await tx.update(Account, { tenantId: account.tenantId, id: accountId }, { disabledAt: disabled ? new Date() : null });
      if (disabled) await this.sessions.revokeAll(tx, accountId);
    });
  }
}

import { Injectable } from '@nestjs/common';
import { first, InvalidInput, msg, RequestContext } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { StaffRole } from '../permissions';
import { SessionService } from '../session.service';

export type SsoRefusal = 'state' | 'token' | 'domain' | 'role' | 'disabled' | 'provider';

/** A sign-in refused, shown above the sign-in form in the reader's language. */
export function ssoRefusal(reason: SsoRefusal): InvalidInput {
  return new InvalidInput({ _form: msg(`identity.sso.refused.${reason}`) });
}

/** The staff roles a person's groups (from the id_token or the assertion) map to. */
export function mappedRoles(roleMap: Record<string, StaffRole>, claim: unknown): StaffRole[] {
  const values = Array.isArray(claim) ? claim : typeof claim === 'string' ? [claim] : [];
  return [
    ...new Set(
      values
        .filter((v): v is string => typeof v === 'string')
        .map((v) => roleMap[v])
        .filter(Boolean),
    ),
  ].sort();
}

export interface VerifiedPerson {
  connectionId: string;
  subject: string;
  email: string;
  name: string;
  roles: StaffRole[];
  mfaVerified: boolean;
}

/**
 * What every protocol does once the IdP's word is verified: the person behind the IdP's subject, or the staff account
 * with that email (linked now), or a new one (just in time); exactly the roles the groups map to; a session.
 */
@Injectable()
export class SsoAccounts {
  constructor(
    private readonly context: RequestContext,
    private readonly sessions: SessionService,
  ) {}

  async signIn(tx: EntityManager, person: VerifiedPerson): Promise<{ token: string; accountId: string }> {
    const accountId = await this.accountFor(tx, person);
    if (!accountId) throw ssoRefusal('disabled');
    await this.syncRoles(tx, accountId, person.roles);
    const session = await this.sessions.create(tx, accountId, 'staff', { mfaVerified: person.mfaVerified });
    return { token: session.token, accountId };
  }

  private async accountFor(tx: EntityManager, person: VerifiedPerson): Promise<string | null> {
    const tenantId = this.context.tenant().id;
    const linked = await first<{ id: string; disabled: boolean }>(
      tx,
      `SELECT a.id, a.disabled_at IS NOT NULL AS disabled FROM sso_identities i JOIN accounts a ON a.tenant_id = i.tenant_id AND a.id = i.account_id
        WHERE i.connection_id = $1 AND i.subject = $2`,
      [person.connectionId, person.subject],
    );
    const found =
      linked ??
      (await first<{ id: string; disabled: boolean }>(
        tx,
        `SELECT id, disabled_at IS NOT NULL AS disabled FROM accounts WHERE kind = 'staff' AND email = $1`,
        [person.email],
      ));
    if (found?.disabled) return null;
    const accountId =
      found?.id ??
      (await first<{ id: string }>(
        tx,
        `INSERT INTO accounts (tenant_id, kind, email, name, email_verified_at, locale) VALUES ($1, 'staff', $2, $3, now(), $4) RETURNING id`,
        [tenantId, person.email, person.name, this.context.locale()],
      ))!.id;
    await tx.query(
      `INSERT INTO sso_identities (tenant_id, connection_id, subject, account_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, connection_id, subject) DO UPDATE SET last_sign_in_at = now()`,
      [tenantId, person.connectionId, person.subject, accountId],
    );
    return accountId;
  }

  /** The IdP is the source of truth for roles: each sign-in gives exactly the roles its groups map to. */
  private async syncRoles(tx: EntityManager, accountId: string, roles: StaffRole[]): Promise<void> {
    await tx.query('DELETE FROM staff_roles WHERE account_id = $1 AND NOT (role = ANY($2))', [accountId, roles]);
    for (const role of roles)
      await tx.query('INSERT INTO staff_roles (tenant_id, account_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        this.context.tenant().id,
        accountId,
        role,
      ]);
  }
}

import { Injectable } from '@nestjs/common';
import { AppConfig, InvalidInput, msg, RequestContext, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { ResolvedTenant } from '@consilium/tenancy';
import { Account, AccountKind } from './account.entity';
import { AccountMail } from './account-mail';
import { OneTimeTokens, TOKEN_LIFETIME_MINUTES } from './one-time-tokens.service';
import { hashPassword, passwordProblem, verifyPassword } from './password-policy';
import { SessionService } from './session.service';
import { SignInThrottle } from './throttle.service';

export class SignInRefused extends Error {
  constructor(readonly waitSeconds = 0) {
    super(waitSeconds ? 'throttled' : 'bad credentials');
  }
}

/**
 * Patients, staff and local physicians of the current tenant: sign-up, password sign-in with throttling, password
 * changes and resets, magic links. Every lookup runs in the host's tenant transaction, so the same email at another
 * hospital is another account.
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly sessions: SessionService,
    private readonly tokens: OneTimeTokens,
    private readonly throttle: SignInThrottle,
    private readonly mail: AccountMail,
  ) {}

  async signUpPatient(input: {
    name: string;
    email: string;
    password: string;
    locale: string;
  }): Promise<{ account: Account; token: string }> {
    const email = input.email.trim().toLowerCase();
    const problem = passwordProblem(input.password, email);
    if (problem) throw new InvalidInput({ password: problem });
    const passwordHash = await hashPassword(input.password);
    return this.db.transaction(async (tx) => {
      const exists = await tx.findOneBy(Account, { kind: 'patient', email });
      // Saying "already registered" would confirm that this person is a patient here; invite a sign-in instead.
      if (exists) throw new InvalidInput({ email: msg('identity.signUp.emailTaken') });
      const account = await tx.save(
        Account,
        tx.create(Account, {
          tenantId: this.context.tenant().id,
          kind: 'patient',
          email,
          name: input.name.trim(),
          passwordHash,
          locale: input.locale,
        }),
      );
      const { token } = await this.sessions.create(tx, account.id, 'patient');
      return { account, token };
    });
  }

  /**
   * Email + password for one kind of account. Throttled per account (keyed by the email typed, whether or not an
   * account exists) and per IP; the refusal never says which of email or password was wrong.
   */
  async authenticate(kind: AccountKind, emailTyped: string, password: string): Promise<Account> {
    const email = emailTyped.trim().toLowerCase();
    const keys = { account: `${this.context.tenant().id}:${kind}:${email}`, ip: this.context.ip() };
    const wait = await this.throttle.waitSeconds(keys);
    if (wait > 0) throw new SignInRefused(wait);
    const account = await this.db.transaction((tx) =>
      tx
        .createQueryBuilder(Account, 'a')
        .addSelect('a.passwordHash')
        .where('a.kind = :kind AND a.email = :email', { kind, email })
        .getOne(),
    );
    const ok = await verifyPassword(account?.passwordHash, password);
    if (!ok || !account || account.disabledAt) {
      const { notifyOwner } = await this.throttle.fail(keys);
      if (notifyOwner && account && !account.disabledAt) await this.tellOwnerOfFailures(account);
      throw new SignInRefused();
    }
    await this.throttle.succeed(keys);
    return account;
  }

  async changePassword(accountId: string, current: string, next: string, keepSessionId: string): Promise<void> {
    const account = await this.db.transaction((tx) =>
      tx.createQueryBuilder(Account, 'a').addSelect('a.passwordHash').where('a.id = :id', { id: accountId }).getOneOrFail(),
    );
    if (!(await verifyPassword(account.passwordHash, current)))
      throw new InvalidInput({ current_password: msg('identity.settings.wrongPassword') });
    const problem = passwordProblem(next, account.email);
    if (problem) throw new InvalidInput({ new_password: problem });
    const passwordHash = await hashPassword(next);
    await this.db.transaction(async (tx) => {
      await tx.update(Account, { tenantId: account.tenantId, id: accountId }, { passwordHash });
      // Anyone else holding a session with the old password is signed out.
      await this.sessions.revokeAll(tx, accountId, keepSessionId);
    });
  }

  /** Sends a reset link when the account exists; answers the same either way. */
  async requestPasswordReset(kind: AccountKind, emailTyped: string, origin: string): Promise<void> {
    await this.sendLink(
      kind,
      emailTyped,
      'password_reset',
      'password-reset',
      (token) => `${origin}${kind === 'staff' ? '/console' : ''}/reset-password/${token}`,
    );
  }

  async resetPassword(token: string, password: string): Promise<Account> {
    return this.db.transaction(async (tx) => {
      const accountId = await this.tokens.peek(tx, token, 'password_reset');
      if (!accountId) throw new InvalidInput({ _form: msg('identity.reset.expired') });
      const account = await tx.findOneByOrFail(Account, { id: accountId });
      const problem = passwordProblem(password, account.email);
      if (problem) throw new InvalidInput({ password: problem });
      await this.tokens.consume(tx, token, 'password_reset');
      await tx.update(Account, { tenantId: account.tenantId, id: account.id }, { passwordHash: await hashPassword(password) });
      await this.sessions.revokeAll(tx, account.id);
      return account;
    });
  }

  async requestMagicLink(kind: AccountKind, emailTyped: string, origin: string): Promise<void> {
    await this.sendLink(kind, emailTyped, 'magic_link', 'magic-link', (token) => `${origin}/sign-in/link/${token}`);
  }

  /** Uses a magic link; the account it signs in, or null when the link is unknown, used or expired. */
  consumeMagicLink(tx: EntityManager, token: string): Promise<string | null> {
    return this.tokens.consume(tx, token, 'magic_link');
  }

  findById(id: string): Promise<Account | null> {
    return this.db.transaction((tx) => tx.findOneBy(Account, { id }));
  }

  private async sendLink(
    kind: AccountKind,
    emailTyped: string,
    purpose: 'password_reset' | 'magic_link',
    template: 'password-reset' | 'magic-link',
    url: (token: string) => string,
  ): Promise<void> {
    const email = emailTyped.trim().toLowerCase();
    const tenant = this.context.tenant<ResolvedTenant>();
    await this.db.transaction(async (tx) => {
      const account = await tx.findOneBy(Account, { kind, email });
      if (!account || account.disabledAt) return;
      const token = await this.tokens.issue(tx, tenant.id, account.id, purpose);
      await this.mail.send(tx, tenant.id, {
        to: account.email,
        template,
        locale: account.locale,
        data: { url: url(token), hospitalName: tenant.name, expiresInMinutes: TOKEN_LIFETIME_MINUTES[purpose] },
      });
    });
  }

  private async tellOwnerOfFailures(account: Account): Promise<void> {
    const tenant = this.context.tenant<ResolvedTenant>();
    await this.db.transaction((tx) =>
      this.mail.send(tx, tenant.id, {
        to: account.email,
        template: 'sign-in-failures',
        locale: account.locale,
        data: {
          hospitalName: tenant.name,
          url: `${this.config.originFor(tenant.primaryHost ?? this.context.host() ?? '')}${account.kind === 'staff' ? '/console' : ''}/forgot-password`,
        },
      }),
    );
  }
}

import { Injectable } from '@nestjs/common';
import { AppConfig, first, InvalidInput, msg, RateLimiter, RequestContext, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { ResolvedTenant } from '@consilium/tenancy';
import { Account, AccountKind } from './account.entity';
import { AccountMail } from './account-mail';
import { OneTimeTokens, TOKEN_LIFETIME_MINUTES } from './one-time-tokens.service';
import { hashPassword, passwordProblem, verifyPassword } from './password-policy';
import { SessionService } from './session.service';

export class SignInRefused extends Error {
  constructor() {
    super('bad credentials');
  }
}

/** The owner of an account under attack is told once an hour at most. */
const FAILURE_NOTICE_WINDOW_SECONDS = 3600;

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
    private readonly limits: RateLimiter,
    private readonly mail: AccountMail,
  ) {}

  /**
   * A sign-up answers the same whether or not the address already has an account here, so that the form cannot be
   * used to learn who is a patient of this hospital. Either way the person is asked to open their email: a new
   * address gets a link that confirms it and makes the account (with the password chosen here), an address that has
   * an account gets "you already have one" with a sign-in link. Both paths hash the password and write the same kind
   * of rows, so they take about as long.
   */
  async signUpPatient(
    input: { name: string; email: string; password: string; locale: string; next: string },
    origin: string,
  ): Promise<void> {
    const email = input.email.trim().toLowerCase();
    const problem = passwordProblem(input.password, email);
    if (problem) throw new InvalidInput({ password: problem });
    const passwordHash = await hashPassword(input.password);
    const tenant = this.context.tenant<ResolvedTenant>();
    await this.db.transaction(async (tx) => {
      const existing = await tx
        .createQueryBuilder(Account, 'a')
        .addSelect('a.passwordHash')
        .where("a.kind = 'patient' AND a.email = :email", { email })
        .getOne();
      if (existing?.disabledAt) return;
      if (existing && (existing.passwordHash || existing.emailVerifiedAt)) {
        const token = await this.tokens.issue(tx, tenant.id, existing.id, 'magic_link');
        await this.mail.send(tx, tenant.id, {
          to: existing.email,
          template: 'account-exists',
          locale: existing.locale,
          data: { url: `${origin}/sign-in/link/${token}`, expiresInMinutes: TOKEN_LIFETIME_MINUTES.magic_link },
        });
        return;
      }
      // A new address, or one signed up for but never confirmed: whoever opens the link owns the inbox.
      // One statement, about as long as the other path's: it also makes two sign-ups racing for one address one account.
      const pending = await first<{ id: string }>(
        tx,
        `INSERT INTO accounts (tenant_id, kind, email, name, locale) VALUES ($1, 'patient', $2, $3, $4)
         ON CONFLICT (tenant_id, kind, email) DO UPDATE SET name = EXCLUDED.name, locale = EXCLUDED.locale, updated_at = now()
          WHERE accounts.password_hash IS NULL AND accounts.email_verified_at IS NULL
         RETURNING id`,
        [tenant.id, email, input.name.trim(), input.locale],
      );
      if (!pending) return;
      const token = await this.tokens.issue(tx, tenant.id, pending.id, 'email_verification', {
        passwordHash,
        nextPath: input.next || null,
      });
      await this.mail.send(tx, tenant.id, {
        to: email,
        template: 'email-verification',
        locale: input.locale,
        data: { url: `${origin}/verify-email/${token}`, expiresInMinutes: TOKEN_LIFETIME_MINUTES.email_verification },
      });
    });
  }

  /**
   * The link of a sign-up's email: the address is confirmed, the password chosen at sign-up takes effect, and the
   * person is signed in. Null when the link is unknown, used or expired.
   */
  async confirmSignUp(token: string): Promise<{ sessionToken: string; next: string | null } | null> {
    return this.db.transaction(async (tx) => {
      const pending = await this.tokens.consumeSignUp(tx, token);
      if (!pending) return null;
      const account = await tx.findOneBy(Account, { id: pending.accountId });
      if (!account || account.disabledAt || account.kind !== 'patient') return null;
      await tx.update(
        Account,
        { tenantId: account.tenantId, id: account.id },
        { emailVerifiedAt: account.emailVerifiedAt ?? new Date(), ...(pending.passwordHash ? { passwordHash: pending.passwordHash } : {}) },
      );
      const { token: sessionToken } = await this.sessions.create(tx, account.id, 'patient');
      return { sessionToken, next: pending.nextPath };
    });
  }

  /**
   * Email + password for one kind of account; the refusal never says which of email or password was wrong. An
   * account whose sign-up was never confirmed has no password yet, so it cannot be signed in to.
   */
  async authenticate(kind: AccountKind, emailTyped: string, password: string): Promise<Account> {
    const email = emailTyped.trim().toLowerCase();
    const account = await this.db.transaction((tx) =>
      tx
        .createQueryBuilder(Account, 'a')
        .addSelect('a.passwordHash')
        .where('a.kind = :kind AND a.email = :email', { kind, email })
        .getOne(),
    );
    const ok = await verifyPassword(account?.passwordHash, password);
    if (!ok || !account || account.disabledAt) {
      if (account && !account.disabledAt && (await this.failuresUsedUp(email))) await this.tellOwnerOfFailures(account);
      throw new SignInRefused();
    }
    return account;
  }

  /**
   * The route's `@RateLimit('sign-in')` has spent this attempt already: when it was the last one the address may
   * fail, its owner is told (once an hour at most), whether or not they were the one typing.
   */
  private async failuresUsedUp(email: string): Promise<boolean> {
    if ((await this.limits.remaining('sign-in', 'address', email)) > 0) return false;
    return this.limits.once(`sign-in-notice.${this.context.tenant().id}`, email, FAILURE_NOTICE_WINDOW_SECONDS);
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
      await this.addressConfirmed(tx, account.id);
      await tx.update(Account, { tenantId: account.tenantId, id: account.id }, { passwordHash: await hashPassword(password) });
      await this.sessions.revokeAll(tx, account.id);
      return account;
    });
  }

  async requestMagicLink(kind: AccountKind, emailTyped: string, origin: string): Promise<void> {
    await this.sendLink(kind, emailTyped, 'magic_link', 'magic-link', (token) => `${origin}/sign-in/link/${token}`);
  }

  /** Uses a magic link; the account it signs in, or null when the link is unknown, used or expired. */
  async consumeMagicLink(tx: EntityManager, token: string): Promise<string | null> {
    const accountId = await this.tokens.consume(tx, token, 'magic_link');
    if (accountId) await this.addressConfirmed(tx, accountId);
    return accountId;
  }

  /**
   * A sign-in link or a reset link came to the inbox: the address is confirmed, so a later sign-up for it finds an
   * account, and any sign-up link still waiting (perhaps someone else's, carrying their password) is void.
   */
  private async addressConfirmed(tx: EntityManager, accountId: string): Promise<void> {
    await tx.query('UPDATE accounts SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1', [accountId]);
    await this.tokens.voidAll(tx, accountId, 'email_verification');
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

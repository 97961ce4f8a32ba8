import { ExecutionContext, Injectable } from '@nestjs/common';
import { InvalidInput, msg } from '@consilium/core';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-local';
import { Account } from '../account.entity';
import { AccountsService, SignInRefused } from '../accounts.service';
import { OperatorAccounts } from '../operators/operator-accounts.service';

export interface SignInOutcome<T> {
  user: T | null;
}

export type SignInRequest<T> = FastifyRequest & { signIn?: SignInOutcome<T> };

/**
 * The signed-in user, or the refusal a sign-in form shows above itself: one message whichever of email or password
 * was wrong (400). Too many wrong ones are the route's `@RateLimit('sign-in')` (429, before the password is checked).
 * The email typed is kept; the password never.
 */
export function refuseSignIn<T>(outcome: SignInOutcome<T>): T {
  if (outcome.user) return outcome.user;
  throw new InvalidInput({ _form: msg('identity.signIn.invalid') });
}

/** Email + password for a hospital's accounts: staff under /console, patients elsewhere. */
@Injectable()
export class PasswordStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly accounts: AccountsService) {
    super({ usernameField: 'email', passwordField: 'password', passReqToCallback: true });
  }

  validate(request: FastifyRequest, email: string, password: string): Promise<Account> {
    return this.accounts.authenticate(request.url.startsWith('/console') ? 'staff' : 'patient', email, password);
  }
}

/** Email + password for platform operators, on the operator host. */
@Injectable()
export class OperatorPasswordStrategy extends PassportStrategy(Strategy, 'operator-local') {
  constructor(private readonly operators: OperatorAccounts) {
    super({ usernameField: 'email', passwordField: 'password' });
  }

  async validate(email: string, password: string): Promise<{ id: string }> {
    return { id: await this.operators.authenticate(email, password) };
  }
}

/**
 * Runs a password strategy but lets the controller answer a refusal: the form is shown again with the email kept and
 * one generic message, instead of a bare 401.
 */
function signInGuard(strategy: string) {
  @Injectable()
  class SignInGuard extends AuthGuard(strategy) {
    // Passport hands on what the strategy failed with: an Error (SignInRefused, or a fault to rethrow).
    override handleRequest<T>(error: Error | null, user: T, _info: unknown, ctx: ExecutionContext): T {
      const request = ctx.switchToHttp().getRequest<FastifyRequest & { signIn?: SignInOutcome<T> }>();
      if (error && !(error instanceof SignInRefused)) throw error;
      request.signIn = { user: user || null };
      return (user || null) as T;
    }
  }
  return SignInGuard;
}

export const PasswordSignIn = signInGuard('local');
export const OperatorPasswordSignIn = signInGuard('operator-local');

import { EntityManager } from 'typeorm';

export type AccountMailTemplate =
  | 'magic-link'
  | 'password-reset'
  | 'staff-invitation'
  | 'sign-in-failures'
  | 'email-verification'
  /** To the owner of an address someone tried to sign up with: they have an account; a sign-in link. */
  | 'account-exists';

export interface AccountMailMessage {
  to: string;
  template: AccountMailTemplate;
  locale: string;
  /** Links and names only: account email never carries health information. */
  data: { url?: string; hospitalName?: string; expiresInMinutes?: number };
}

/**
 * The emails identity sends, enqueued in the caller's transaction so a message exists exactly when the change that
 * caused it committed. The notifications lib provides the implementation.
 */
export abstract class AccountMail {
  abstract send(tx: EntityManager, tenantId: string, message: AccountMailMessage): Promise<void>;
}

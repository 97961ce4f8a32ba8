import { EntityManager } from 'typeorm';

export type AccountMailTemplate = 'magic-link' | 'password-reset' | 'staff-invitation' | 'sign-in-failures' | 'email-verification';

export interface AccountMailMessage {
  to: string;
  template: AccountMailTemplate;
  locale: string;
  /**
   * The one-time token (the mail builds its link from it), how long it lasts, and for invitations the role. The URL
   * this site serves for it is given too, for transports that link to it directly. Never health information.
   */
  data: { token?: string; url?: string; expiresInMinutes?: number; role?: string };
}

/**
 * The emails identity sends, enqueued in the caller's transaction so a message exists exactly when the change that
 * caused it committed. The notifications lib provides the implementation.
 */
export abstract class AccountMail {
  abstract send(tx: EntityManager, tenantId: string, message: AccountMailMessage): Promise<void>;
}

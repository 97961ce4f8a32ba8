/**
 * Who invites a new hospital's first administrator: the identity lib provides it (tenancy sits below identity and
 * cannot import it), so the operator's wizard sends the same emailed invitation as an admin's staff page.
 */
export abstract class FirstAdminInvitations {
  abstract invite(tenantId: string, admin: { name: string; email: string }): Promise<void>;
}

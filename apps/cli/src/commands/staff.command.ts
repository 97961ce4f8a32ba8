import { isPlatformLocale, unsupportedLocaleMessage } from '@consilium/core';
import { STAFF_ROLES, StaffRole, TenantStaffInvitations, TOKEN_LIFETIME_MINUTES } from '@consilium/identity';
import { TenantDirectory } from '@consilium/tenancy';
import { z } from 'zod';
import { requiredFlag, textFlag, UsageError } from '../args';
import { CommandGroup, subcommand } from '../command';

/** A hospital's staff (identity), from the operator's side: the first admin of a hospital, usually. */
export const staffCommands: CommandGroup = {
  name: 'staff',
  usage: `  npm run cli -- staff invite --tenant <slug> --email <address> --role admin[,coordinator,physician]
                             [--name "Full Name"] [--locale es]
                                                  email a hospital's staff member an invitation, exactly as an admin
                                                  does at /console/staff; "already on the staff" the second time`,

  run(args, cli) {
    subcommand(args, ['invite']);
    const slug = requiredFlag(args, 'tenant', '<slug>');
    const email = requiredFlag(args, 'email', '<address>').toLowerCase();
    if (!z.email().safeParse(email).success) throw new UsageError('--email must be an email address such as admin@hospital.org');
    const roles = requiredFlag(args, 'role', `<${STAFF_ROLES.join('|')}>`)
      .split(',')
      .map((r) => r.trim());
    const unknown = roles.filter((r) => !(STAFF_ROLES as readonly string[]).includes(r));
    if (unknown.length) throw new UsageError(`--role takes ${STAFF_ROLES.join(', ')} (comma-separated); not ${unknown.join(', ')}`);
    const locale = textFlag(args, 'locale');
    if (locale && !isPlatformLocale(locale)) throw new UsageError(`--locale: ${unsupportedLocaleMessage(locale)}`);
    const name = textFlag(args, 'name')?.trim() ?? '';

    return cli.withApp(async (app) => {
      const tenant = (await app.get(TenantDirectory).list()).find((t) => t.slug === slug);
      if (!tenant) {
        cli.out(`no tenant "${slug}" (see tenants list)`);
        return 1;
      }
      const outcome = await app.get(TenantStaffInvitations).invite(tenant.id, { email, name, roles: roles as StaffRole[], locale }, null);
      if (!outcome.invited) {
        cli.out(`${slug}: ${email} is already on the staff (${outcome.roles.join(', ')}): nothing to do.`);
        return 0;
      }
      cli.out(`${slug}: invited ${email} as ${roles.join(', ')}.`);
      cli.out(
        `The invitation email is queued: the worker sends it (npm start, in the embedded default; with the local outbox: npm run cli -- outbox list). Its link works for ${TOKEN_LIFETIME_MINUTES.invitation / (24 * 60)} days.`,
      );
      return 0;
    });
  },
};

import { OperatorDatabase } from '@consilium/core';
import { EmailLocale, Mailer } from '@consilium/notifications';
import { TenantDirectory } from '@consilium/tenancy';
import { textFlag, UsageError } from '../args';
import { CommandGroup, subcommand } from '../command';

/** Email (notifications): a hospital's test message, through the same queue and brand as every other. */
export const emailCommands: CommandGroup = {
  name: 'email',
  usage: `  npm run cli -- email test <slug> <address> [--locale es]
                                                  send a hospital's test message (checks its sender and brand)`,

  run(args, cli) {
    subcommand(args, ['test']);
    const [slug, to] = args.positional.slice(2);
    if (!slug || !to) throw new UsageError('email test takes a tenant slug and an address');
    const locale = textFlag(args, 'locale') as EmailLocale | undefined;
    return cli.withApp(async (app) => {
      const tenant = (await app.get(TenantDirectory).list()).find((t) => t.slug === slug);
      if (!tenant) {
        cli.out(`no tenant "${slug}"`);
        return 1;
      }
      const id = await app
        .get(OperatorDatabase)
        .forTenant(tenant.id, (tx) => app.get(Mailer).send(tx, { tenantId: tenant.id, to, template: 'test-message', locale, data: {} }));
      cli.out(`queued message ${id}: the worker (or npm start, which runs the jobs in the embedded default) sends it.`);
      return 0;
    });
  },
};

import { PaymentsReconciliation } from '@consilium/billing';
import { UsageError } from '../args';
import { CommandGroup, subcommand } from '../command';

/** Payments (billing): compare ours with the provider's on demand, as the nightly check does. */
export const paymentsCommands: CommandGroup = {
  name: 'payments',
  usage: `  npm run cli -- payments reconcile [--days 7]     compare local payments with the provider's, list differences`,

  run(args, cli) {
    subcommand(args, ['reconcile']);
    const days = args.flags.days === undefined ? 7 : Number(args.flags.days);
    if (!Number.isInteger(days) || days < 1 || days > 90) throw new UsageError('--days must be a whole number of days from 1 to 90');
    return cli.withApp(async (app) => {
      const report = await app.get(PaymentsReconciliation).reconcile(days);
      cli.out(
        `${report.provider}: since ${report.since.toISOString()}, ${report.checkedAtProvider} at the provider, ${report.checkedLocally} here`,
      );
      for (const d of report.differences) {
        const local = d.local ? `local ${d.local.status} ${d.local.capturedMinor} ${d.local.currency}` : 'no local payment';
        const remote = d.provider
          ? `provider ${d.provider.status} ${d.provider.receivedMinor} ${d.provider.currency}`
          : 'not at the provider';
        cli.out(
          `  ${d.kind.padEnd(20)} ${d.paymentIntentId}  tenant ${d.tenantId ?? '?'}  payment ${d.paymentId ?? '?'}  ${local}; ${remote}`,
        );
      }
      cli.out(report.differences.length ? `${report.differences.length} difference(s)` : 'no differences');
      return report.differences.length ? 1 : 0;
    });
  },
};

import { PaymentsReconciliation } from '@consilium/billing';
import { INestApplicationContext } from '@nestjs/common';
import { ParsedArgs, UsageError } from '../args';
import { out } from '../cli-app';

/** `payments reconcile`. */
export async function reconcile(app: INestApplicationContext, args: ParsedArgs): Promise<number> {
  const days = args.flags.days === undefined ? 7 : Number(args.flags.days);
  if (!Number.isInteger(days) || days < 1 || days > 90) throw new UsageError('--days must be a whole number of days from 1 to 90');
  const report = await app.get(PaymentsReconciliation).reconcile(days);
  out(
    `${report.provider}: since ${report.since.toISOString()}, ${report.checkedAtProvider} at the provider, ${report.checkedLocally} here`,
  );
  for (const d of report.differences) {
    const local = d.local ? `local ${d.local.status} ${d.local.capturedMinor} ${d.local.currency}` : 'no local payment';
    const remote = d.provider ? `provider ${d.provider.status} ${d.provider.receivedMinor} ${d.provider.currency}` : 'not at the provider';
    out(`  ${d.kind.padEnd(20)} ${d.paymentIntentId}  tenant ${d.tenantId ?? '?'}  payment ${d.paymentId ?? '?'}  ${local}; ${remote}`);
  }
  out(report.differences.length ? `${report.differences.length} difference(s)` : 'no differences');
  return report.differences.length ? 1 : 0;
}

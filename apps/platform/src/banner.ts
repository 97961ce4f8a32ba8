import { AppConfig } from '@consilium/core';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoAccount } from '@consilium/identity';
import { TenantListing } from '@consilium/tenancy';

/** A platform with thousands of hospitals lists a few and counts the rest. */
const MAX_LISTED = 12;

/** What a newcomer needs after `npm start`: where to click. */
export function readyBanner(
  config: AppConfig,
  tenants: TenantListing[],
  seconds: number,
  pgPort?: number,
  demo: DemoAccount[] = [],
): string {
  const rows: [string, string][] = [];
  const active = tenants.filter((t) => t.status === 'active');
  for (const t of active.slice(0, MAX_LISTED)) {
    const host = t.hosts.includes(config.platformHostFor(t.slug)) ? config.platformHostFor(t.slug) : t.primaryHost;
    if (host) rows.push([t.name, `${config.originFor(host)}/`]);
  }
  if (active.length > MAX_LISTED) rows.push([`and ${active.length - MAX_LISTED} more hospitals`, '(npm run cli -- tenants list)']);
  rows.push(['Operator host', `${config.originFor(config.operatorHost)}/`]);
  rows.push(['Health', `${config.originFor('localhost')}/health/ready`]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    '',
    `Consilium is ready in ${seconds.toFixed(1)} s${config.embedded ? ' (embedded default)' : ''}.`,
    '',
    ...rows.map(([label, url]) => `  ${label.padEnd(width)}  ${url}`),
    '',
  ];
  if (demo.length) {
    lines.push(`  Demo accounts (password for all: ${DEMO_PASSWORD}):`);
    const w = Math.max(...demo.map((d) => `${d.tenant ?? 'platform'} ${d.role}`.length));
    for (const d of demo) lines.push(`    ${`${d.tenant ?? 'platform'} ${d.role}`.padEnd(w)}  ${d.email.padEnd(34)} ${d.signIn}`);
    lines.push('');
    lines.push('  Staff and operators also need a 6-digit code (two-step verification is mandatory for them):');
    lines.push(`    run \`npm run cli -- demo code\`, or add the key ${DEMO_TOTP_SECRET} to any authenticator app.`);
    lines.push('');
  }
  if (config.embedded) {
    lines.push(`  Data: ${config.dataDir} (PostgreSQL 18 on 127.0.0.1:${pgPort}). Delete it to start over.`);
    lines.push('  Stop with Ctrl-C.', '');
  }
  return lines.join('\n');
}

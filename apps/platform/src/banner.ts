import { AppConfig } from '@consilium/core';
import { TenantListing } from '@consilium/tenancy';

/** What a newcomer needs after `npm start`: where to click. */
export function readyBanner(config: AppConfig, tenants: TenantListing[], seconds: number, pgPort?: number): string {
  const rows: [string, string][] = [];
  for (const t of tenants) {
    if (t.status !== 'active') continue;
    const host = t.hosts.includes(config.platformHostFor(t.slug)) ? config.platformHostFor(t.slug) : t.primaryHost;
    if (host) rows.push([t.name, `${config.originFor(host)}/`]);
  }
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
  if (config.embedded) {
    lines.push(`  Data: ${config.dataDir} (PostgreSQL 18 on 127.0.0.1:${pgPort}). Delete it to start over.`);
    lines.push('  Stop with Ctrl-C.', '');
  }
  return lines.join('\n');
}

import { TenantDatabase } from '@consilium/core';
import { EmailLocale, Mailer, OutboxStore } from '@consilium/notifications';
import { TenantDirectory } from '@consilium/tenancy';
import { INestApplicationContext } from '@nestjs/common';
import { ParsedArgs, UsageError } from '../args';
import { limitFlag, out } from '../cli-app';

/** `email test`: a hospital's test message, queued for the worker. */
export async function testEmail(app: INestApplicationContext, args: ParsedArgs): Promise<number> {
  const [slug, to] = args.positional.slice(2);
  if (!slug || !to) throw new UsageError('email test takes a tenant slug and an address');
  const tenant = (await app.get(TenantDirectory).list()).find((t) => t.slug === slug);
  if (!tenant) {
    out(`no tenant "${slug}"`);
    return 1;
  }
  const locale = typeof args.flags.locale === 'string' ? (args.flags.locale as EmailLocale) : undefined;
  const id = await app
    .get(TenantDatabase)
    .forTenant(tenant.id, (tx) => app.get(Mailer).send(tx, { tenantId: tenant.id, to, template: 'test-message', locale, data: {} }));
  out(`queued message ${id}: the worker (or npm start, which runs the jobs in the embedded default) sends it.`);
  return 0;
}

/** `outbox list|show`: the local outbox, no database needed. */
export function outbox(store: OutboxStore, command: string, args: ParsedArgs): number {
  if (command === 'list') {
    const messages = store.list(limitFlag(args));
    for (const m of messages) out(`${m.id}  ${m.date}  ${m.tenant.padEnd(12)} ${m.to.padEnd(28)} ${m.subject}`);
    if (!messages.length) out(`no messages in ${store.dir}`);
    return 0;
  }
  const id = args.positional[2];
  if (!id) throw new UsageError('outbox show takes a message id (see outbox list)');
  const message = store.read(id);
  if (!message) {
    out(`no message ${id} in ${store.dir}`);
    return 1;
  }
  if (args.flags.html) {
    out(message.html ?? '(no HTML part)');
    return 0;
  }
  for (const [label, value] of [
    ['From', message.from],
    ['To', message.to],
    ['Date', message.date],
    ['Subject', message.subject],
    ['Hospital', message.tenant],
    ['Message', `${message.template} (${message.locale})`],
    ['File', message.file],
  ]) {
    out(`${label.padEnd(9)} ${value}`);
  }
  out();
  out(message.text ?? '(no text part)');
  return 0;
}

import { OutboxStore } from '@consilium/notifications';
import { limitFlag, UsageError } from '../args';
import { CommandGroup, subcommand } from '../command';

/** The local outbox (notifications): what the embedded default "sent", read from its folder. No database needed. */
export const outboxCommands: CommandGroup = {
  name: 'outbox',
  usage: `  npm run cli -- outbox list [--limit 50]         emails in the local outbox, newest first
  npm run cli -- outbox show <id> [--html]        one email: headers and text (or its HTML)`,

  run(args, cli) {
    const command = subcommand(args, ['list', 'show']);
    const store = new OutboxStore(cli.config.email.outboxDir);
    if (command === 'list') {
      const messages = store.list(limitFlag(args));
      for (const m of messages) cli.out(`${m.id}  ${m.date}  ${m.tenant.padEnd(12)} ${m.to.padEnd(28)} ${m.subject}`);
      if (!messages.length) cli.out(`no messages in ${store.dir}`);
      return 0;
    }
    const id = args.positional[2];
    if (!id) throw new UsageError('outbox show takes a message id (see outbox list)');
    const message = store.read(id);
    if (!message) {
      cli.out(`no message ${id} in ${store.dir}`);
      return 1;
    }
    if (args.flags.html) {
      cli.out(message.html ?? '(no HTML part)');
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
      cli.out(`${label.padEnd(9)} ${value}`);
    }
    cli.out();
    cli.out(message.text ?? '(no text part)');
    return 0;
  },
};

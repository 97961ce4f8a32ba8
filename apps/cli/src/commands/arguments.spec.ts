import { loadConfig } from '@consilium/core';
import { parseArgs, UsageError } from '../args';
import { Cli } from '../command';
import { dbCommands, migrateCommands } from './db.command';
import { operatorsCommands } from './operators.command';
import { staffCommands } from './staff.command';
import { tenantsCommands } from './tenants.command';

/**
 * Arguments are checked before anything starts: a mistake costs nothing and says what to fix. These run the
 * command groups in-process with a Cli whose database must never be reached (the end-to-end suites spawn the built
 * CLI for everything that needs one: test/e2e/bootstrap-cli.e2e-spec.ts).
 */
describe('CLI arguments', () => {
  const cli: Cli = {
    config: loadConfig({}),
    out: () => undefined,
    withApp: () => Promise.reject(new Error('the database was reached with arguments that should have been refused')),
    readStdin: () => Promise.resolve(''),
  };
  const refusal = async (argv: string): Promise<string> => {
    const args = parseArgs(argv.split(' '));
    const group = [dbCommands, migrateCommands, operatorsCommands, staffCommands, tenantsCommands].find(
      (g) => g.name === args.positional[0],
    )!;
    try {
      await group.run(args, cli);
    } catch (error) {
      if (error instanceof UsageError) return error.message;
      throw error;
    }
    throw new Error(`"${argv}" was accepted`);
  };

  it.each([
    ['staff invite --email a@b.org --role admin', 'staff invite needs --tenant <slug>'],
    ['staff invite --tenant rh --role admin', 'staff invite needs --email <address>'],
    ['staff invite --tenant rh --email a@b.org', 'staff invite needs --role <admin|coordinator|physician|translator|medical_director>'],
    [
      'staff invite --tenant rh --email a@b.org --role owner',
      '--role takes admin, coordinator, physician, translator, medical_director (comma-separated); not owner',
    ],
    ['staff invite --tenant rh --email a@b.org --role admin,boss', 'not boss'],
    ['staff invite --tenant rh --email nope --role admin', '--email must be an email address such as admin@hospital.org'],
    ['staff invite --tenant rh --email a@b.org --role admin --locale xx', '--locale: xx is not a platform language: use one of en, es, fr'],
    ['staff invite --tenant rh --email --role admin', '--email needs a value'],
    ['staff revoke', 'unknown command "staff revoke" (invite)'],
    ['operators create', 'operators create needs --email <address>'],
    ['operators link', 'operators link needs --email <address>'],
    ['operators', 'operators needs a command (create, link, list)'],
    ['db provision', 'db provision needs --admin-url postgres://admin:...@host/postgres (or DATABASE_ADMIN_URL)'],
    ['db provision --admin-url mysql://x/y', '--admin-url must be a postgres:// URL'],
    ['db provision --admin-url postgres://a@h/postgres --database Bad-Name', '--database must be a lower-case name'],
    ['db provision --admin-url postgres://a@h/postgres --passwords-from-env --database x', 'the database is the one in DATABASE_URL'],
    ['migrate now', 'migrate takes no further words'],
    ['tenants export', 'tenants export takes one slug'],
    ['tenants suspend a b', 'tenants suspend takes one slug'],
    ['tenants', 'tenants needs a command'],
  ])('%s: "%s"', async (argv, message) => {
    expect(await refusal(argv)).toContain(message);
  });

  it('reads a password from standard input only when one is piped in', async () => {
    const args = parseArgs(['operators', 'create', '--email', 'ops@example.org', '--password-stdin']);
    const tty = process.stdin.isTTY;
    try {
      process.stdin.isTTY = false;
      await expect(operatorsCommands.run(args, cli)).rejects.toThrow('--password-stdin found no password on standard input');
      process.stdin.isTTY = true;
      await expect(operatorsCommands.run(args, cli)).rejects.toThrow(/pipe it in/);
    } finally {
      process.stdin.isTTY = tty;
    }
  });
});

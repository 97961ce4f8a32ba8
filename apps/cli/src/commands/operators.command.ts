import { InvalidInput, Translator } from '@consilium/core';
import { OPERATOR_LINK_HOURS, OperatorSignInLinks } from '@consilium/identity';
import { INestApplicationContext } from '@nestjs/common';
import { ParsedArgs, requiredFlag, textFlag, UsageError } from '../args';
import { Cli, CommandGroup, subcommand } from '../command';

/** Platform operators (identity): the first of them, with no SQL by hand and no shared password. */
export const operatorsCommands: CommandGroup = {
  name: 'operators',
  usage: `  npm run cli -- operators create --email <address> [--name "Full Name"] [--password-stdin]
                                                  a platform operator: prints a one-time link to choose a password
                                                  (or takes it from standard input); two-step verification is set
                                                  up at the first sign-in. "already exists" the second time
  npm run cli -- operators link --email <address> a new one-time link (the first expired, or a forgotten password)
  npm run cli -- operators list                   operators, and whether each has a password and a second factor`,

  async run(args, cli) {
    const command = subcommand(args, ['create', 'link', 'list']);
    if (command === 'list') return cli.withApp((app) => list(app, cli));
    const email = requiredFlag(args, 'email', '<address>');
    if (command === 'link') return cli.withApp((app) => link(app, email, cli));
    // Read before the database starts: a mistake here should cost nothing.
    const password = args.flags['password-stdin'] === true ? await passwordFromStdin(cli) : undefined;
    return cli.withApp((app) => create(app, args, email, password, cli));
  },
};

async function create(
  app: INestApplicationContext,
  args: ParsedArgs,
  email: string,
  password: string | undefined,
  cli: Cli,
): Promise<number> {
  const signIn = `${cli.config.originFor(cli.config.operatorHost)}/operator/sign-in`;
  let outcome;
  try {
    outcome = await app.get(OperatorSignInLinks).create({ email, name: textFlag(args, 'name'), password });
  } catch (error) {
    throw error instanceof InvalidInput ? usageOf(error, app) : error;
  }
  if (!outcome.created) {
    cli.out(`Operator ${outcome.email} already exists: nothing to do.`);
    cli.out(`  (A new one-time sign-in link: npm run cli -- operators link --email ${outcome.email})`);
    return 0;
  }
  if (!outcome.link) {
    cli.out(`Created operator ${outcome.email} with the password from standard input.`);
    cli.out(`Sign in at ${signIn}; two-step verification is set up at the first sign-in.`);
    return 0;
  }
  cli.out(`Created operator ${outcome.email}.`);
  printLink(outcome.link, cli);
  return 0;
}

async function link(app: INestApplicationContext, email: string, cli: Cli): Promise<number> {
  const url = await app.get(OperatorSignInLinks).issue(email);
  if (!url) {
    cli.out(`no operator ${email.trim().toLowerCase()} (see operators list; operators create makes one)`);
    return 1;
  }
  cli.out(`A new sign-in link for ${email.trim().toLowerCase()} (earlier ones no longer work).`);
  printLink(url, cli);
  return 0;
}

async function list(app: INestApplicationContext, cli: Cli): Promise<number> {
  const operators = await app.get(OperatorSignInLinks).list();
  for (const o of operators) {
    const state = o.disabled ? 'disabled' : !o.passwordSet ? 'link not used yet' : !o.secondFactor ? 'second factor not set up' : 'ready';
    cli.out(`${o.email.padEnd(36)} ${state.padEnd(26)} ${o.name}`);
  }
  if (!operators.length) cli.out('no operators yet: npm run cli -- operators create --email <address>');
  return 0;
}

function printLink(url: string, cli: Cli): void {
  cli.out(`Open this one-time link within ${OPERATOR_LINK_HOURS} hours to choose a password; two-step verification is set up right after:`);
  cli.out(`  ${url}`);
  cli.out('It signs in whoever opens it: hand it over as you would a password.');
}

/** The whole of standard input, less the line break `echo` or a here-string adds. Never echoed, never logged. */
async function passwordFromStdin(cli: Cli): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError(
      `--password-stdin reads the password from standard input: pipe it in, e.g. printf '%s' "$PASSWORD" | npm run cli -- operators create ...`,
    );
  const password = (await cli.readStdin()).replace(/\r?\n$/, '');
  if (!password) throw new UsageError('--password-stdin found no password on standard input');
  return password;
}

/** A refused operator, said as the flag to fix, in the platform's default language (the operator's terminal). */
function usageOf(error: InvalidInput, app: INestApplicationContext): UsageError {
  const [field, ref] = Object.entries(error.fields ?? {})[0] ?? ['email', error.message];
  const problem = app.get(Translator).message(ref, 'en');
  return new UsageError(field === 'password' ? `the password from standard input: ${problem}` : `--${field} ${problem}`);
}

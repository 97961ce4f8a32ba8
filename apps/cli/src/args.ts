export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

/** `tenants apply --dry-run lakeshore` -> positional [tenants, apply, lakeshore], flags { dry-run: true }. */
export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      if (inline !== undefined) flags[name] = inline;
      else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') && VALUE_FLAGS.has(name)) flags[name] = argv[++i];
      else flags[name] = true;
    } else positional.push(arg);
  }
  return { positional, flags };
}

const VALUE_FLAGS = new Set([
  'admin-url',
  'database',
  'dir',
  'days',
  'out',
  'limit',
  'locale',
  'tenant',
  'cases',
  'seed',
  'visits',
  'email',
  'name',
  'role',
]);

export class UsageError extends Error {
  override name = 'UsageError';
  /** The usage lines to show with it: the command group's own when known, else everything. */
  usage?: string;
}

/** A flag that takes a value: absent is undefined, given without a value is a usage error naming it. */
export function textFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

export function requiredFlag(args: ParsedArgs, name: string, example: string): string {
  const value = textFlag(args, name);
  if (!value?.trim()) throw new UsageError(`${args.positional.slice(0, 2).join(' ')} needs --${name} ${example}`);
  return value.trim();
}

export function limitFlag(args: ParsedArgs): number {
  const limit = Number(args.flags.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new UsageError('--limit takes a whole number from 1 to 10000');
  return limit;
}

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

const VALUE_FLAGS = new Set(['admin-url', 'database', 'dir', 'days', 'out', 'limit', 'locale', 'tenant', 'cases', 'seed', 'visits']);

export class UsageError extends Error {
  override name = 'UsageError';
}

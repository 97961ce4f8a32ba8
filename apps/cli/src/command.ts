import type { AppConfig } from '@consilium/core';
import type { INestApplicationContext } from '@nestjs/common';
import { ParsedArgs, UsageError } from './args';

/** What every command gets: the validated configuration, a way to print, and the application when it needs one. */
export interface Cli {
  config: AppConfig;
  out(line?: string): void;
  /** Starts the database (joining the embedded one if need be) and the Nest context, runs `work`, and stops both. */
  withApp(work: (app: INestApplicationContext) => Promise<number>): Promise<number>;
  /** Standard input, whole (for secrets that must not be typed as arguments). */
  readStdin(): Promise<string>;
}

/**
 * One command group (`tenants`, `operators`, ...), in its own file under commands/: main.ts only dispatches. A group
 * answers an exit code, and throws UsageError for arguments to fix (exit 2, with the usage).
 */
export interface CommandGroup {
  name: string;
  /** Its lines of the usage text, already aligned: `  npm run cli -- <name> ...   what it does`. */
  usage: string;
  run(args: ParsedArgs, cli: Cli): Promise<number> | number;
}

/** The second word of `<group> <command>`, checked against what the group knows. */
export function subcommand(args: ParsedArgs, known: readonly string[]): string {
  const [group, command] = args.positional;
  if (!command || !known.includes(command)) {
    throw new UsageError(`${command ? `unknown command "${group} ${command}"` : `${group} needs a command`} (${known.join(', ')})`);
  }
  return command;
}

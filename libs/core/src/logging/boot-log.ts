import { LoggerService } from '@nestjs/common';
import { hostname } from 'node:os';
import { ConfigError } from '../config/config';

/** Errors whose message is written for the person starting the process: shown as they are, without a stack. */
const EXPLAINED = new Set([
  'ConfigError',
  'UsageError',
  'EmbeddedPostgresError',
  'UnsafeRuntimeRole',
  'AlreadyRunning',
  'BlueprintConflict',
  'ProvisionError',
]);

/** The variables that hold a PostgreSQL address, in the order a problem is most likely to be in. */
const DATABASE_VARIABLES = [
  'DATABASE_URL',
  'DATABASE_OWNER_URL',
  'DATABASE_OPERATOR_URL',
  'DATABASE_DIRECT_URL',
  'DATABASE_ADMIN_URL',
] as const;

export interface BootFailure {
  /** One sentence: what did not work. */
  msg: string;
  /** What to fix, one entry per problem, each naming the variable or thing to check. */
  problems: string[];
  /** For errors nobody anticipated: where it came from (never for the explained ones, nor a database out of reach). */
  stack?: string;
}

/**
 * What a process says before its logger is up (and when it fails to start): JSON lines in production (NODE_ENV is
 * read from the environment itself, since a bad setting is one of the things reported here), plain text otherwise.
 * A JSON line has `level` (pino's numbers: 30 info, 60 fatal), `time`, `pid`, `hostname`, `process`, `msg`, and for a
 * failure `problems`.
 */
export class BootLog {
  readonly json: boolean;

  constructor(
    private readonly processName: 'platform' | 'worker' | 'cli',
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.json = env.NODE_ENV === 'production';
  }

  /** A step of the start-up, for a person watching it (text) or a log collector (JSON). */
  info(message: string, fields: Record<string, unknown> = {}): void {
    if (this.json) process.stdout.write(this.line(30, message.trim(), fields));
    else process.stdout.write(`${message}\n`);
  }

  /** A warning or error from the framework while it starts, before the application's logger takes over. */
  framework(level: 'warn' | 'error', message: string, context?: string): void {
    if (this.json) process.stderr.write(this.line(level === 'warn' ? 40 : 50, message, context ? { context } : {}));
    else process.stderr.write(`${level === 'warn' ? 'warning' : 'error'}: ${context ? `[${context}] ` : ''}${message}\n`);
  }

  /** The process could not start (or a command failed): what and what to check. Then the caller exits. */
  failed(error: unknown): void {
    const failure = describeBootFailure(error, this.env);
    // A command's failure reads as its own message at a terminal; a service names itself.
    const msg =
      this.processName === 'cli' ? failure.msg : `Consilium ${this.processName === 'worker' ? 'worker ' : ''}did not start: ${failure.msg}`;
    if (this.json) {
      process.stderr.write(this.line(60, msg, { problems: failure.problems, ...(failure.stack ? { stack: failure.stack } : {}) }));
      return;
    }
    const details = failure.problems.length === 1 && failure.problems[0] === failure.msg ? [] : failure.problems.map((p) => `  - ${p}`);
    const lead = this.processName === 'cli' ? '' : '\n';
    process.stderr.write(`${lead}${[msg, ...details, ...(failure.stack ? [failure.stack] : [])].join('\n')}\n`);
  }

  private line(level: number, msg: string, fields: Record<string, unknown>): string {
    return `${JSON.stringify({ level, time: Date.now(), pid: process.pid, hostname: hostname(), process: this.processName, ...fields, msg })}\n`;
  }
}

/** Turns what stopped a process into words a person can act on: the variable to check, never a driver's stack. */
export function describeBootFailure(error: unknown, env: NodeJS.ProcessEnv = process.env): BootFailure {
  if (error instanceof ConfigError) return { msg: 'configuration error', problems: error.problems };
  if (error instanceof Error && EXPLAINED.has(error.name)) return { msg: error.message, problems: [error.message] };
  const database = explainDatabaseError(error, env);
  if (database) return { msg: 'cannot reach PostgreSQL', problems: [database] };
  const message = error instanceof Error ? error.message : String(error);
  return { msg: message, problems: [message], stack: error instanceof Error ? error.stack : undefined };
}

interface NetworkError {
  code?: string;
  address?: string;
  port?: number;
  hostname?: string;
  message?: string;
  errors?: unknown[];
  cause?: unknown;
  driverError?: unknown;
}

/**
 * A connection to PostgreSQL that failed, said with the address and the variable(s) holding it; undefined for any
 * other error. The address is matched against the URLs in the environment (host and port, or the role for a refused
 * password); a URL's password is never repeated.
 */
export function explainDatabaseError(error: unknown, env: NodeJS.ProcessEnv = process.env, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const e = error as NetworkError;
  const urls = DATABASE_VARIABLES.flatMap((name) => {
    const url = parseUrl(env[name]);
    return url ? [{ name, url }] : [];
  });
  const byAddress = (host?: string, port?: number) =>
    urls.filter(({ url }) => (!host || sameHost(url.hostname, host)) && (!port || Number(url.port || 5432) === port)).map((u) => u.name);
  const byRole = (role: string) => urls.filter(({ url }) => decodeURIComponent(url.username) === role).map((u) => u.name);
  const check = (names: string[]) => `check ${(names.length ? names : ['DATABASE_URL']).join(' / ')}`;
  const at = (host?: string, port?: number) => `${host ?? 'the database host'}${port ? `:${port}` : ''}`;
  // Connecting to a name that resolves to several addresses fails with one error per address.
  const inner = Array.isArray(e.errors) ? (e.errors.find((x) => (x as NetworkError)?.code) as NetworkError | undefined) : undefined;
  const net = inner ?? e;
  switch (net.code) {
    case 'ECONNREFUSED':
      return `PostgreSQL at ${at(net.address, net.port)} refused the connection (nothing listens there): ${check(byAddress(net.address, net.port))}, and that the server is running and reachable from here`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the database host ${net.hostname ?? ''} could not be resolved (DNS): ${check(byAddress(net.hostname))}`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `PostgreSQL at ${at(net.address, net.port)} did not answer (${net.code}): ${check(byAddress(net.address, net.port))}, and the network path (firewall, security group)`;
    case '28P01':
    case '28000': {
      const role = /(?:user|role) "([^"]+)"/.exec(e.message ?? '')?.[1];
      return `PostgreSQL refused ${role ? `the role "${role}"` : 'the role'} (${e.code === '28P01' ? 'wrong password' : 'not allowed by pg_hba.conf'}): ${check(role ? byRole(role) : [])}`;
    }
    case '3D000': {
      const database = /database "([^"]+)"/.exec(e.message ?? '')?.[1];
      return `the database ${database ? `"${database}" ` : ''}does not exist: ${check(urls.filter(({ url }) => url.pathname === `/${database}`).map((u) => u.name))}, or create it (npm run cli -- db provision)`;
    }
    case '57P03':
      return `PostgreSQL is starting up or shutting down: try again in a moment (${check([])})`;
  }
  if (/timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(e.message ?? '')) {
    return `PostgreSQL did not accept a connection within 5 s: ${check(urls.map((u) => u.name))}, and that the server is reachable from here`;
  }
  return explainDatabaseError(e.driverError, env, depth + 1) ?? explainDatabaseError(e.cause, env, depth + 1);
}

function parseUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** `localhost` in a URL connects to 127.0.0.1 or ::1, which is what the error then names. */
function sameHost(configured: string, reported: string): boolean {
  const loopback = (h: string) => ['localhost', '127.0.0.1', '::1', '[::1]'].includes(h);
  return configured === reported || (loopback(configured) && loopback(reported));
}

/**
 * Nest's logger until the application's own (pino) is attached: Nest buffers what it logs while it builds the
 * application and hands it to pino once `useLogger` is called, or to this logger when the build fails. Start-up
 * chatter (modules initialised) is dropped; warnings and errors are kept, without stacks: the error that stopped the
 * start is reported once, explained, by `BootLog.failed`.
 */
export class BootNestLogger implements LoggerService {
  constructor(private readonly boot: BootLog) {}

  log(): void {}

  warn(message: unknown, ...rest: unknown[]): void {
    this.boot.framework('warn', text(message), contextOf(rest));
  }

  error(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    // Nest logs the error that stops the start, then throws it: the caller reports it, explained. TypeORM's
    // "Retrying" note is the same failure (and it does not retry: retryAttempts is 0).
    if (context === 'ExceptionHandler' || message instanceof Error) return;
    if (context === 'TypeOrmModule' && /^Unable to connect to the database/.test(text(message))) return;
    this.boot.framework('error', text(message), context);
  }
}

function text(message: unknown): string {
  return typeof message === 'string' ? message : message instanceof Error ? message.message : JSON.stringify(message);
}

/** Nest passes `(message, context)` or `(message, stack, context)`: the context is the last string. */
function contextOf(rest: unknown[]): string | undefined {
  const last = rest[rest.length - 1];
  return typeof last === 'string' && !last.includes('\n') ? last : undefined;
}

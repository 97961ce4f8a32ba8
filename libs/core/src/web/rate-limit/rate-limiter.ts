import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/config';
import { RATE_LIMIT_DEFINITIONS, RateLimitName, RateLimitRule, RateLimitSubject } from '../../config/rate-limits';
import { first, rows } from '../../database/sql';
import { PeriodicTask } from '../../periodic-task';

/** What one request is keyed by: its client address, the email address it targets, or the signed-in person. */
export interface RateLimitKey {
  subject: RateLimitSubject;
  value: string | undefined;
}

/** A unit spent from one bucket, to give back when the request turns out not to count. */
export interface SpentUnit {
  bucket: string;
  key: Buffer;
  intervalSeconds: number;
}

export type TakeResult =
  | { allowed: true; spent: SpentUnit[]; counts: 'successes' | 'failures' }
  | { allowed: false; retryAfterSeconds: number; subject: RateLimitSubject };

const SWEEP_EVERY_MS = 15 * 60 * 1000;

/**
 * The one store behind every abuse limit, in PostgreSQL so that all instances share it (a limit an attacker could
 * escape by reaching another replica is no limit). Why not @nestjs/throttler or @fastify/rate-limit: both count
 * every request as it arrives (their store interface is "increment this key"), and ship in-memory or Redis stores
 * only, so a PostgreSQL store would be ours to write anyway; our limits must also count only wrong guesses for
 * passwords and codes and only what was done for emails (deciding after the handler ran), be keyed by the email
 * address a form names, and answer with the form again in the person's language. One table and three statements do
 * all of it, and there is no second store (Redis) to run.
 *
 * Each bucket is one row holding a "theoretical arrival time" (GCRA, a token bucket in one timestamp): a request
 * moves it `window / count` later, and is refused when that would put it more than `window` ahead of now. The check
 * and the move are one conditional upsert, so two instances can never both take the last unit.
 *
 * Keys are an HMAC (keyed by APP_SECRET) of the address, IP or account id: the table never holds an email address or
 * an IP, and cannot be reversed by hashing a list of addresses without the secret. It is platform-wide: an attacker
 * spreading guesses over several hospitals' hosts is still one IP, and one inbox is one inbox.
 */
@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger('RateLimiter');
  private readonly sweep = new PeriodicTask(this.logger, SWEEP_EVERY_MS, () => this.removeExpired(), 'rate limit sweep failed');
  private hmacKey?: Buffer;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Spends one unit of `name` from each key's bucket, or none at all when any bucket is empty. */
  async take(name: RateLimitName, keys: RateLimitKey[]): Promise<TakeResult> {
    const spent: SpentUnit[] = [];
    for (const { subject, value } of keys) {
      const rule = this.config.rateLimits[name][subject];
      if (!rule || !value) continue;
      const unit = { bucket: `${name}.${subject}`, key: this.keyOf(subject, value), intervalSeconds: rule.windowSeconds / rule.count };
      if (!(await this.takeOne(unit, rule))) {
        await this.giveBack(spent);
        return { allowed: false, retryAfterSeconds: await this.waitFor(unit, rule), subject };
      }
      spent.push(unit);
    }
    return { allowed: true, spent, counts: RATE_LIMIT_DEFINITIONS[name].counts };
  }

  /** Gives units back: the request they paid for turned out not to count. */
  async giveBack(spent: SpentUnit[]): Promise<void> {
    for (const unit of spent) {
      await this.db.query(`UPDATE rate_limits SET tat = tat - make_interval(secs => $3) WHERE bucket = $1 AND key = $2`, [
        unit.bucket,
        unit.key,
        unit.intervalSeconds,
      ]);
    }
  }

  /** How many more requests the bucket would allow right now. */
  async remaining(name: RateLimitName, subject: RateLimitSubject, value: string): Promise<number> {
    const rule = this.config.rateLimits[name][subject];
    if (!rule) return Infinity;
    const row = await first<{ ahead: number }>(
      this.db,
      `SELECT extract(epoch FROM greatest(tat, now()) - now())::float8 AS ahead FROM rate_limits WHERE bucket = $1 AND key = $2`,
      [`${name}.${subject}`, this.keyOf(subject, value)],
    );
    const interval = rule.windowSeconds / rule.count;
    return Math.max(0, Math.floor((rule.windowSeconds - (row?.ahead ?? 0)) / interval + 1e-6));
  }

  /** True at most once per window for this address: for "tell the owner once an hour". */
  async once(name: string, address: string, windowSeconds: number): Promise<boolean> {
    return this.takeOne(
      { bucket: `${name}.address`, key: this.keyOf('address', address), intervalSeconds: windowSeconds },
      { count: 1, windowSeconds },
    );
  }

  /** Called by the platform's entry point: rows whose buckets are full again are the same as no row. */
  startSweep(): void {
    this.sweep.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.sweep.stop();
  }

  async removeExpired(): Promise<void> {
    await this.db.query('DELETE FROM rate_limits WHERE tat < now()');
  }

  private async takeOne(unit: SpentUnit, rule: RateLimitRule): Promise<boolean> {
    const taken = await rows<{ taken: number }>(
      this.db,
      `INSERT INTO rate_limits AS r (bucket, key, tat) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (bucket, key) DO UPDATE SET tat = greatest(r.tat, now()) + make_interval(secs => $3)
        WHERE greatest(r.tat, now()) + make_interval(secs => $3) <= now() + make_interval(secs => $4)
       RETURNING 1 AS taken`,
      [unit.bucket, unit.key, unit.intervalSeconds, rule.windowSeconds],
    );
    return taken.length === 1;
  }

  /** Whole seconds until the bucket takes one more. */
  private async waitFor(unit: SpentUnit, rule: RateLimitRule): Promise<number> {
    const row = await first<{ wait: number }>(
      this.db,
      `SELECT extract(epoch FROM tat + make_interval(secs => $3) - make_interval(secs => $4) - now())::float8 AS wait
         FROM rate_limits WHERE bucket = $1 AND key = $2`,
      [unit.bucket, unit.key, unit.intervalSeconds, rule.windowSeconds],
    );
    return Math.max(1, Math.ceil(row?.wait ?? 1));
  }

  private keyOf(subject: RateLimitSubject, value: string): Buffer {
    // Addresses as people type them: " Ana@Example.org" is the same inbox as "ana@example.org".
    const normal = subject === 'address' ? value.trim().toLowerCase() : value;
    this.hmacKey ??= createHmac('sha256', this.config.appSecret).update('consilium:rate-limit').digest();
    return createHmac('sha256', this.hmacKey).update(`${subject}:${normal}`).digest();
  }
}

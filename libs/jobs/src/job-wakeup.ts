import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/** Enqueue NOTIFYs this channel with the queue name; idle workers wake at once instead of at their next poll. */
export const JOBS_CHANNEL = 'consilium_jobs';

/**
 * The LISTEN side. Polling still runs underneath (a lost connection or a missed notification only costs latency);
 * a notification that arrives while a queue is busy is remembered, so the next wait returns immediately.
 */
export class JobWakeup {
  private readonly logger = new Logger('Jobs');
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly pending = new Set<string>();
  private client?: Client;
  private closed = false;
  private reconnectDelay = 250;

  constructor(private readonly url: string) {}

  async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, application_name: 'consilium-jobs-listener' });
    client.on('notification', (message) => message.payload && this.poke(message.payload));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${JOBS_CHANNEL}`);
      this.reconnectDelay = 250;
    } catch {
      await client.end().catch(() => undefined);
      this.lost(client);
    }
  }

  /** Resolves when `queue` gets a job, the timeout passes, or the runner stops. */
  wait(queue: string, timeoutMs: number): Promise<void> {
    if (this.pending.delete(queue) || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(queue) ?? new Set();
      this.waiters.set(queue, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      set.add(done);
    });
  }

  /** Called before each fetch: whatever was signalled so far, that fetch will see. */
  clear(queue: string): void {
    this.pending.delete(queue);
  }

  wakeAll(): void {
    for (const set of this.waiters.values()) for (const done of [...set]) done();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** There may be work in `queue`: wake its loop, or tell its next wait to return at once. */
  poke(queue: string): void {
    const set = this.waiters.get(queue);
    if (set?.size) for (const done of [...set]) done();
    else this.pending.add(queue);
  }

  private lost(client: Client): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.logger.warn('job wake-up listener lost; workers fall back to polling until it reconnects');
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, 10000);
    setTimeout(() => void this.listen(), delay).unref();
  }
}

import { Logger } from '@nestjs/common';

/**
 * Work an instance does now and then on its own clock (a nightly check, an hourly sweep): once at start, then every
 * `everyMs`, never keeping the process alive, a failure logged rather than thrown. `stop` waits for a run in flight.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly logger: Logger,
    private readonly everyMs: number,
    private readonly work: () => Promise<unknown>,
    private readonly failure: string,
  ) {}

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.work().catch((error: unknown) => this.logger.error({ err: error }, this.failure));
    };
    tick();
    this.timer = setInterval(tick, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}

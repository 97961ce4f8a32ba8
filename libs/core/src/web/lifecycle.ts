import { Injectable } from '@nestjs/common';

/** Shared shutdown state: readiness answers 503 as soon as shutdown begins, before the listener closes. */
@Injectable()
export class Lifecycle {
  private draining = false;

  get isDraining(): boolean {
    return this.draining;
  }

  beginDrain(): void {
    this.draining = true;
  }
}

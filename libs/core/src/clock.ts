import { Injectable } from '@nestjs/common';

/**
 * The time the platform judges by where a test must be able to move it: assignment deadlines (reminders, missed
 * deadlines, reassignment) and the window a second-factor code is valid in. One provider, so a test moves it
 * (`jest.spyOn(clock, 'now')`) and watches a business day or a 30-second step pass without waiting for it.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

import { Injectable } from '@nestjs/common';

/**
 * The time deadlines are judged by. One provider, so a test can move it (`jest.spyOn(clock, 'now')`) and watch
 * reminders, missed deadlines and reassignment happen without waiting a business day.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

import { Clock } from '@consilium/core';
import { currentStep, totpAt } from '@consilium/identity';
import { INestApplicationContext } from '@nestjs/common';
import { eventually } from './eventually';
import { TEST_PASSWORD, TEST_TOTP_SECRET, TestPerson } from './tenants';
import { WebClient } from './web-client';

const STEP_MS = 30_000;
const lastStep = new Map<string, number>();

/**
 * A TOTP code the server will accept for this account. Codes are single-use, and the server takes the current step
 * and the next, so an account passes its second factor at most twice per 30 seconds. Past that, with the app at
 * hand, the app's Clock (what the server judges codes by) moves on one step, as 30 seconds of waiting would; a real
 * process (no app) is waited for until its next step comes.
 */
export async function freshCode(email: string, secret = TEST_TOTP_SECRET, app?: INestApplicationContext): Promise<string> {
  const clock = app?.get(Clock);
  for (;;) {
    const now = currentStep(clock ? clock.now().getTime() : Date.now());
    // Not the previous step: if the 30-second boundary passes before the server checks, it would be out of the window.
    const step = Math.max(now, (lastStep.get(email) ?? -Infinity) + 1);
    if (step <= now + 1) {
      lastStep.set(email, step);
      return totpAt(secret, step);
    }
    if (clock) moveOn(clock, (step - now - 1) * STEP_MS);
    else
      await eventually(
        () => {
          if (currentStep() < step - 1) throw new Error(`no fresh second-factor step for ${email} yet`);
        },
        STEP_MS + 5000,
        250,
      );
  }
}

/** The app's time, `ms` later than it would be (a test that mocks the Clock itself keeps its mock underneath). */
function moveOn(clock: Clock, ms: number): void {
  const previous = clock.now.bind(clock);
  clock.now = () => new Date(previous().getTime() + ms);
}

/** The app behind a client, when the suite drives it in this process. */
function appOf(client: WebClient): INestApplicationContext | undefined {
  return typeof client.app === 'object' ? client.app : undefined;
}

/** Password, then the second factor, as a staff member does in the console. */
export async function signInStaff(client: WebClient, person: TestPerson): Promise<void> {
  const first = await client.submit('/console/sign-in', { email: person.email, password: TEST_PASSWORD });
  if (first.status !== 303 || !first.location?.startsWith('/console/mfa')) throw new Error(`password step failed: ${first.status}`);
  const second = await client.submit('/console/mfa', { code: await freshCode(person.email, undefined, appOf(client)) });
  if (second.status !== 303) throw new Error(`second factor failed: ${second.status} ${second.text.slice(0, 200)}`);
}

export async function signInPatient(client: WebClient, person: TestPerson): Promise<void> {
  const res = await client.submit('/sign-in', { email: person.email, password: TEST_PASSWORD });
  if (res.status !== 303) throw new Error(`patient sign-in failed: ${res.status}`);
}

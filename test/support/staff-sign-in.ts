import { currentStep, totpAt } from '@consilium/identity';
import { TEST_PASSWORD, TEST_TOTP_SECRET, TestPerson } from './tenants';
import { WebClient } from './web-client';

const lastStep = new Map<string, number>();

/** A TOTP code the server will accept for this account: codes are single-use, so each sign-in needs a fresh step. */
export async function freshCode(email: string, secret = TEST_TOTP_SECRET): Promise<string> {
  for (;;) {
    const now = currentStep();
    // Not the previous step: if the 30-second boundary passes before the server checks, it would be out of the window.
    const step = Math.max(now, (lastStep.get(email) ?? -Infinity) + 1);
    if (step <= now + 1) {
      lastStep.set(email, step);
      return totpAt(secret, step);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Password, then the second factor, as a staff member does in the console. */
export async function signInStaff(client: WebClient, person: TestPerson): Promise<void> {
  const first = await client.submit('/console/sign-in', { email: person.email, password: TEST_PASSWORD });
  if (first.status !== 303 || !first.location?.startsWith('/console/mfa')) throw new Error(`password step failed: ${first.status}`);
  const second = await client.submit('/console/mfa', { code: await freshCode(person.email) });
  if (second.status !== 303) throw new Error(`second factor failed: ${second.status} ${second.text.slice(0, 200)}`);
}

export async function signInPatient(client: WebClient, person: TestPerson): Promise<void> {
  const res = await client.submit('/sign-in', { email: person.email, password: TEST_PASSWORD });
  if (res.status !== 303) throw new Error(`patient sign-in failed: ${res.status}`);
}

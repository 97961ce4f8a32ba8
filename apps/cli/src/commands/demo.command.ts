import { currentStep, DEMO_TOTP_SECRET, totpAt } from '@consilium/identity';
import { out } from '../cli-app';

/** `demo code`: the demo's shared authenticator seed, so the embedded default's staff and operators pass their second step. */
export function demoCode(): number {
  const left = 30 - (Math.floor(Date.now() / 1000) % 30);
  out(
    `${totpAt(DEMO_TOTP_SECRET, currentStep())}   (valid for ${left} more second${left === 1 ? '' : 's'}; each code signs an account in once)`,
  );
  return 0;
}

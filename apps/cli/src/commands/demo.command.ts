import { currentStep, DEMO_TOTP_SECRET, totpAt } from '@consilium/identity';
import { CommandGroup, subcommand } from '../command';

/** The demo's shared authenticator seed (identity): the embedded default's staff and operators pass their second step with it. */
export const demoCommands: CommandGroup = {
  name: 'demo',
  usage: `  npm run cli -- demo code                        the current second-factor code of the demo staff and operator`,

  run(args, cli) {
    subcommand(args, ['code']);
    const left = 30 - (Math.floor(Date.now() / 1000) % 30);
    cli.out(
      `${totpAt(DEMO_TOTP_SECRET, currentStep())}   (valid for ${left} more second${left === 1 ? '' : 's'}; each code signs an account in once)`,
    );
    return 0;
  },
};

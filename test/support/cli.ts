import { currentStep, totpAt } from '@consilium/identity';
import { spawnSync } from 'node:child_process';
import { builtEntry } from './dist';
import { processEnv } from './processes';
import { WebClient } from './web-client';

export interface CliRun {
  code: number | null;
  stdout: string;
  /** stdout and stderr together, as a terminal shows them. */
  output: string;
}

/** The built CLI as an operator runs it (`npm run cli -- ...`), with an environment and, optionally, standard input. */
export function runCli(args: string[], env: Record<string, string>, input?: string): CliRun {
  const run = spawnSync(process.execPath, [builtEntry('apps/cli/src/main.js'), ...args], {
    env: processEnv(env),
    input: input ?? '',
    encoding: 'utf8',
    timeout: 60000,
  });
  return { code: run.status, stdout: run.stdout, output: `${run.stdout}${run.stderr}` };
}

/** The one-time link the CLI printed (`operators create`, `operators link`), as a path on its host. */
export function printedLink(output: string): string {
  const url = /https?:\/\/\S+\/operator\/welcome\/\S+/.exec(output)?.[0];
  if (!url) throw new Error(`no sign-in link in:\n${output}`);
  return new URL(url).pathname;
}

/**
 * The second step as a person does it the first time: the enrolment page shows the key (as text beside the QR
 * code), their app computes the code. Answers the key, for later sign-ins.
 */
export async function enrolSecondFactor(client: WebClient, mfaPath: '/operator/mfa' | '/console/mfa'): Promise<string> {
  const page = await client.get(mfaPath);
  const secret = /<span class="secret"[^>]*>([A-Z2-7]+)<\/span>/.exec(page.text)?.[1];
  if (!secret) throw new Error(`no enrolment key on ${mfaPath} (${page.status}):\n${page.text.slice(0, 500)}`);
  const done = await client.post(mfaPath, { code: totpAt(secret, currentStep()) });
  if (done.status !== 200 || !/recovery/i.test(done.text))
    throw new Error(`enrolment refused (${done.status}):\n${done.text.slice(0, 500)}`);
  return secret;
}

/** The exit code and the words together, so that a failure shows everything the CLI said. */
export function expectSays(run: CliRun, code: number, words: string | RegExp): void {
  const found = typeof words === 'string' ? run.output.includes(words) : words.test(run.output);
  expect({ code: run.code, output: run.output }).toEqual({ code, output: found ? run.output : `(expected to say ${String(words)})` });
}

import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * Runs scripts/check-deploy.sh, one check per test: Docker Compose, yamllint, caddy, shellcheck and kustomize judge
 * the files themselves. A missing tool is reported as SKIP and passes, unless REQUIRE_DEPLOY_TOOLS=1 (CI installs them).
 */
const script = path.resolve(__dirname, '../../scripts/check-deploy.sh');

describe('deployment files, judged by their own tools', () => {
  it.each(['compose', 'yaml', 'caddy', 'shell', 'kustomize'])('%s', (check) => {
    const run = spawnSync('bash', [script, check], { encoding: 'utf8', env: process.env });
    const output = `${run.stdout}${run.stderr}`;
    for (const line of output.split('\n').filter((l) => l.startsWith('SKIP'))) console.warn(line);
    expect({ status: run.status, output }).toEqual({ status: 0, output: expect.stringMatching(/^(ok|SKIP) /m) });
  });
});

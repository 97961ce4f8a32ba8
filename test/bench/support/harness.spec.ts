import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The benchmark harness (test/bench/support/harness.mjs): a benchmark that goes wrong ends, says why, and never hangs. */
describe('benchmark harness', () => {
  const run = (mode: string) =>
    spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'misbehaving.mjs'), '--smoke'], {
      env: { PATH: process.env.PATH, MODE: mode },
      encoding: 'utf8',
      timeout: 60000,
    });

  it('ends with the last log lines of a child that exits before it is ready, and a non-zero exit', () => {
    const out = run('child-exits');
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('server exited (code 3)');
    expect(out.stderr).toContain('no database at 127.0.0.1:1');
    expect(out.stdout).not.toContain('BENCH_RESULT');
  });

  it('ends a child that is not ready in time, with its last log lines', () => {
    const out = run('never-ready');
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('server was not ready after 1 s');
    expect(out.stderr).toContain('still warming up');
  });

  it('ends a benchmark that runs past its time limit', () => {
    const out = run('hangs');
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('time limit of 3 s reached');
  });

  it('prints one machine-readable result: each figure with its baseline, ratio and goal', () => {
    const out = run('fine');
    expect(out.status).toBe(0);
    const line = out.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    const result = JSON.parse(line!.slice('BENCH_RESULT '.length)) as { figures: unknown[]; environment: { cores: unknown } };
    expect(result).toMatchObject({ benchmark: 'misbehaving', size: 'smoke', ok: true });
    expect(typeof result.environment.cores).toBe('number');
    expect(result.figures).toEqual([
      expect.objectContaining({ value: 3, baseline: { label: 'y', value: 4, unit: 'ops' }, ratio: 0.75, met: true }),
    ]);
  });

  it('finds the README markers npm run bench:readme writes the performance table between', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const script = readFileSync(path.join(__dirname, '..', '..', '..', 'scripts', 'bench-readme.mjs'), 'utf8');
    const marker = (name: string) => new RegExp(`export const ${name} = '([^']+)'`).exec(script)![1];
    expect(readme.indexOf(marker('START'))).toBeGreaterThan(0);
    expect(readme.indexOf(marker('END'))).toBeGreaterThan(readme.indexOf(marker('START')));
  });
});

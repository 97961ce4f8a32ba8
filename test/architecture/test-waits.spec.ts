import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './source-files';

/**
 * Suites wait for a condition, not for a while: `eventually()` (a bounded poll of a check), `waitForIdleQueues()`,
 * the app's Clock moved forward. A fixed pause either wastes time on a fast machine or flakes on a loaded one, so a
 * timed pause is allowed only in the files listed here, each with why it is not a wait for something.
 */
const TIMED_PAUSES: Record<string, string> = {
  'test/support/eventually.ts': 'the poll interval of eventually(), bounded by its timeout',
  'test/support/processes.ts': "polls a child's /health/ready until its deadline, and kills a child that outlives its own",
  'test/e2e/host-resolution.e2e-spec.ts': 'polls a second instance until a new domain answers, measuring how long that takes',
  'test/e2e/faults.e2e-spec.ts': "the readiness probe's period while the instance drains, as Kubernetes would probe it",
  'test/e2e/email-crash-safety.e2e-spec.ts': 'kills the worker at a random moment of a send: the pause is the randomness',
  'test/e2e/analytics-rollups.e2e-spec.ts': 'holds a transaction open between its two writes so refreshes race a half-done one',
  'test/e2e/records-resumable.e2e-spec.ts': 'a client that stalls mid-chunk and then drops its connection',
  'test/e2e/boot-logs.e2e-spec.ts': 'kills a process that would otherwise outlive the suite',
  'test/e2e/embedded-boot.e2e-spec.ts': 'gives up on a boot that never answers',
  'test/deploy/image-smoke.e2e-spec.ts': 'gives up on a container that never becomes ready',
};

/** setTimeout(...) and sleep(...) calls: every way a suite could pause for a fixed time. */
const PAUSE = /\bsetTimeout\s*\(|\bsleep\s*\(/;

function testSources(): { file: string; text: string }[] {
  const files: { file: string; text: string }[] = [];
  for (const entry of readdirSync(path.join(ROOT, 'test'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.relative(ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (file.startsWith('test/architecture/')) continue;
    files.push({ file, text: readFileSync(path.join(ROOT, file), 'utf8') });
  }
  return files;
}

describe('test waits', () => {
  const sources = testSources();

  it('scans the suites and their support (and would see a new pause)', () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(PAUSE.test('await new Promise((r) => setTimeout(r, 1500));')).toBe(true);
    expect(PAUSE.test('await sleep(700);')).toBe(true);
  });

  it('pauses for a fixed time only in the listed files', () => {
    // jest.setTimeout is a test's time limit, not a pause.
    const pausing = sources.filter((s) => PAUSE.test(s.text.replace(/\bjest\.setTimeout\s*\(/g, ''))).map((s) => s.file);
    expect(pausing.filter((file) => !TIMED_PAUSES[file])).toEqual([]);
  });

  it('lists no file that no longer pauses', () => {
    const pausing = new Set(sources.filter((s) => PAUSE.test(s.text.replace(/\bjest\.setTimeout\s*\(/g, ''))).map((s) => s.file));
    expect(Object.keys(TIMED_PAUSES).filter((file) => !pausing.has(file))).toEqual([]);
  });
});

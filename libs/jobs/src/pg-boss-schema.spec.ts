import { getConstructionPlans } from 'pg-boss';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Statements without comments, whitespace runs, and pg-boss's own transaction, session settings and lock. */
function statements(sql: string): string[] {
  return sql
    .replace(/--[^\n]*\n/g, '\n')
    .split(/;\s*\n/)
    .map((s) => s.replace(/\s+/g, ' ').trim().replace(/;$/, ''))
    .filter((s) => s && !/^(BEGIN|COMMIT|SET LOCAL|SELECT pg_advisory_xact_lock)/.test(s));
}

describe('pg-boss schema snapshot', () => {
  it('matches the installed pg-boss, so an upgrade cannot silently diverge from the migration', () => {
    const snapshot = readFileSync(path.join(__dirname, '..', '..', '..', 'migrations', 'sql', 'pgboss-v46.sql'), 'utf8');
    expect(statements(snapshot)).toEqual(statements(getConstructionPlans('pgboss')));
    const installed = createRequire(__filename)('pg-boss/package.json') as { pgboss: { schema: number } };
    expect(installed.pgboss.schema).toBe(46);
  });
});

import PgBoss from 'pg-boss';
import pgBossVersion from 'pg-boss/version.json';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Statements without comments, whitespace runs, and pg-boss's own transaction and lock wrapper. */
function statements(sql: string): string[] {
  return sql
    .replace(/--[^\n]*\n/g, '\n')
    .split(/;\s*\n/)
    .map((s) => s.replace(/\s+/g, ' ').trim().replace(/;$/, ''))
    .filter((s) => s && !/^(BEGIN|COMMIT|SET LOCAL|SELECT pg_advisory_xact_lock)/.test(s))
    .map((s) => s.replace('CREATE SCHEMA IF NOT EXISTS', 'CREATE SCHEMA'));
}

describe('pg-boss schema snapshot', () => {
  it('matches the installed pg-boss, so an upgrade cannot silently diverge from the migration', () => {
    const snapshot = readFileSync(path.join(__dirname, '..', '..', '..', 'migrations', 'sql', 'pgboss-v24.sql'), 'utf8');
    expect(statements(snapshot)).toEqual(statements(PgBoss.getConstructionPlans('pgboss')));
    expect(pgBossVersion.schema).toBe(24);
  });
});

import { productionSources, SourceFile } from './source-files';

/**
 * Owners write their own tables: a table is written (INSERT, UPDATE, DELETE in SQL, or insert/update/delete/save/
 * upsert of its entity) by one lib only; another lib asks the owner through its port (billing asks the pipeline to
 * mark a payment authorized or to include another follow-up question; it never writes `cases`). Apps are not
 * scanned: the CLI's data generator is a tool that fills six domains at once. The few writes across owners that
 * remain are listed with their reason.
 */
const SHARED_WRITES: Record<string, Record<string, string>> = {
  cases: { intake: "the patient's own draft, field by field, before it is submitted (the pipeline takes over at submit)" },
  physicians: { identity: "demo data only: the demo physician's account is linked to the hospital's first physician" },
  record_requests: { cases: 'coordinators track the status of a request the patient signed through intake' },
};

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function libOf(file: string): string | null {
  return /^libs\/([^/]+)\//.exec(file)?.[1] ?? null;
}

/** Entity class name -> table, from `@Entity('table') export class Name`. */
function entityTables(sources: SourceFile[]): Map<string, string> {
  const tables = new Map<string, string>();
  for (const { text } of sources) {
    for (const m of text.matchAll(/@Entity\(\s*(?:\{\s*name:\s*)?'([a-z_]+)'[^)]*\)\s*(?:@[^\n]+\s*)*export class (\w+)/g))
      tables.set(m[2], m[1]);
  }
  return tables;
}

function writesOf(source: SourceFile, entities: Map<string, string>): string[] {
  const text = withoutComments(source.text);
  const tables = new Set<string>();
  for (const m of text.matchAll(/\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_][a-z0-9_]*)\b/g)) tables.add(m[1]);
  for (const m of text.matchAll(/\.(?:insert|update|delete|save|upsert|softDelete)\(\s*([A-Z]\w*)\s*,/g)) {
    const table = entities.get(m[1]);
    if (table) tables.add(table);
  }
  // `ON CONFLICT ... DO UPDATE SET` names no table; CTE names and aliases are not tables either.
  for (const word of ['set', 'only']) tables.delete(word);
  return [...tables];
}

describe('owners write their own tables', () => {
  const sources = productionSources().filter((s) => libOf(s.file));
  const entities = entityTables(sources);
  const writers = new Map<string, Map<string, string[]>>();
  for (const source of sources) {
    for (const table of writesOf(source, entities)) {
      const byLib = writers.get(table) ?? new Map<string, string[]>();
      byLib.set(libOf(source.file)!, [...(byLib.get(libOf(source.file)!) ?? []), source.file]);
      writers.set(table, byLib);
    }
  }

  it('finds the writes (and would see a new one)', () => {
    expect(entities.get('Case')).toBe('cases');
    expect(writers.get('payments')?.has('billing')).toBe(true);
    expect(writesOf({ file: 'x.ts', text: "await tx.query('UPDATE cases SET state = $1')" }, entities)).toEqual(['cases']);
    expect(writesOf({ file: 'x.ts', text: 'await tx.update(Case, { id }, { state })' }, entities)).toEqual(['cases']);
    expect(writesOf({ file: 'x.ts', text: '// an UPDATE through TypeORM answers [rows, count]' }, entities)).toEqual([]);
  });

  it('has one writer lib per table, but for the listed exceptions', () => {
    const shared: string[] = [];
    for (const [table, byLib] of writers) {
      if (byLib.size < 2) continue;
      const unlisted = [...byLib.keys()].filter((lib) => !SHARED_WRITES[table]?.[lib]);
      // The owner is the one lib left once the listed guests are set aside.
      if (unlisted.length > 1)
        shared.push(`${table}: written by ${[...byLib].map(([lib, files]) => `${lib} (${files.join(', ')})`).join('; ')}`);
    }
    expect(shared).toEqual([]);
  });

  it('lists only exceptions that still exist', () => {
    const stale = Object.entries(SHARED_WRITES).flatMap(([table, libs]) =>
      Object.keys(libs)
        .filter((lib) => !writers.get(table)?.has(lib))
        .map((lib) => `${table}: ${lib}`),
    );
    expect(stale).toEqual([]);
  });

  it('keeps billing off the pipeline’s tables', () => {
    for (const table of ['cases', 'case_events']) expect([...(writers.get(table)?.keys() ?? [])]).not.toContain('billing');
  });
});

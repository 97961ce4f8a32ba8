import { DataSource } from 'typeorm';
import { postgresOptions } from './data-source-options';
import { affected, first, one, rows } from './sql';

// The owner role of the embedded test cluster: it may create the temporary table these statements need.
describe('typed raw SQL', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = await new DataSource(
      postgresOptions({ url: process.env.TEST_DATABASE_OWNER_URL!, applicationName: 'sql-spec', poolSize: 1 }),
    ).initialize();
  });
  afterAll(() => db.destroy());

  it('answers rows for SELECT and for UPDATE/DELETE ... RETURNING, where tx.query answers [rows, count]', async () => {
    await db.transaction(async (tx) => {
      await tx.query('CREATE TEMPORARY TABLE sql_spec (id int PRIMARY KEY, name text) ON COMMIT DROP');
      expect(await affected(tx, `INSERT INTO sql_spec VALUES (1, 'a'), (2, 'b'), (3, 'c')`)).toBe(3);
      expect(await rows<{ id: number }>(tx, 'SELECT id FROM sql_spec WHERE id > $1 ORDER BY id', [1])).toEqual([{ id: 2 }, { id: 3 }]);
      expect(await rows<{ id: number }>(tx, `UPDATE sql_spec SET name = 'x' WHERE id <= 2 RETURNING id`)).toEqual([{ id: 1 }, { id: 2 }]);
      expect(await first<{ name: string }>(tx, 'DELETE FROM sql_spec WHERE id = 3 RETURNING name')).toEqual({ name: 'c' });
      expect(await first(tx, 'SELECT 1 FROM sql_spec WHERE id = 3')).toBeUndefined();
      expect(await affected(tx, 'DELETE FROM sql_spec')).toBe(2);
      await expect(one(tx, 'SELECT 1 FROM sql_spec')).rejects.toThrow('Expected a row');
    });
  });

  it('runs on a DataSource outside any transaction and gives its connection back', async () => {
    for (let i = 0; i < 3; i++) expect(await one<{ n: number }>(db, 'SELECT $1::int AS n', [i])).toEqual({ n: i });
  });
});

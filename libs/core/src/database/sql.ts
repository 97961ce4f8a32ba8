import type { DataSource, EntityManager, QueryResult } from 'typeorm';

/** What raw SQL runs on: a transaction's manager (the usual `tx`), or a DataSource outside any transaction. */
export type SqlRunner = EntityManager | DataSource;

/**
 * The rows a statement returns (SELECT, or INSERT/UPDATE/DELETE ... RETURNING), typed where they are read:
 * `rows<{ id: string }>(tx, 'SELECT id FROM ...', [x])`. `T` is the caller's promise about the SQL's columns, so keep
 * it beside the query. Unlike `tx.query`, an UPDATE or DELETE answers its rows too, not `[rows, count]`.
 */
export async function rows<T>(db: SqlRunner, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await run<T>(db, sql, params)).records ?? [];
}

/** The first row, or undefined when there is none ("find by id", "RETURNING" of a conditional update). */
export async function first<T>(db: SqlRunner, sql: string, params: unknown[] = []): Promise<T | undefined> {
  return (await rows<T>(db, sql, params))[0];
}

/** The row a statement always returns (an aggregate, an INSERT ... RETURNING); throws when there is none. */
export async function one<T>(db: SqlRunner, sql: string, params: unknown[] = []): Promise<T> {
  const [row] = await rows<T>(db, sql, params);
  if (row === undefined) throw new Error(`Expected a row from: ${sql.trim().slice(0, 80)}`);
  return row;
}

/** How many rows an INSERT, UPDATE or DELETE changed. */
export async function affected(db: SqlRunner, sql: string, params: unknown[] = []): Promise<number> {
  return (await run(db, sql, params)).affected ?? 0;
}

/**
 * TypeORM's structured result (rows and affected count whatever the command), on the transaction's own connection
 * when there is one, else on a pooled connection for this statement alone, as `query()` does.
 */
async function run<T>(db: SqlRunner, sql: string, params: unknown[]): Promise<QueryResult<T>> {
  const manager = 'manager' in db ? db.manager : db;
  const runner = manager.queryRunner ?? manager.dataSource.createQueryRunner();
  try {
    return (await runner.query(sql, params, true)) as QueryResult<T>;
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
}

import { InvalidInput, msg } from '@consilium/core';
import { UUID } from './api-input';

/** A position in a keyset-paginated list: the sort value of the last item as PostgreSQL printed it, and its id. */
export interface Position {
  at: string;
  id: string;
}

/**
 * Cursors are opaque to clients (base64url of the position): they may only come back as the API gave them. A cursor
 * that does not decode to a position is bad input, never a query error.
 */
/** How PostgreSQL prints a timestamptz: `2026-03-01 10:00:00.123456+00`. */
const POSTGRES_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Position | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof id === 'string' && UUID.test(id) && POSTGRES_TIMESTAMPTZ.test(at)) {
      return { at, id };
    }
  } catch {
    // Not base64url JSON: answered below like any other malformed cursor.
  }
  throw new InvalidInput({ cursor: msg('integrations.api.cursor') });
}

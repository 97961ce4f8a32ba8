import { InvalidInput, msg } from '@consilium/core';

/** Where a queue page ends: its last row's sort key (as PostgreSQL wrote it) and id. Opaque to the reader. */
export interface QueueCursor {
  key: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY = /^(infinity|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}(:\d{2})?)$/;

export function encodeCursor(cursor: QueueCursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.id]), 'utf8').toString('base64url');
}

function read(text: string): QueueCursor | null {
  try {
    const [key, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof key === 'string' && typeof id === 'string' && KEY.test(key) && UUID.test(id)) return { key, id };
  } catch {
    // Not JSON: not a cursor.
  }
  return null;
}

/** For the queue's form: a cursor typed by hand or cut short is refused beside the queue, never a 500. */
export const isCursor = (text: string): boolean => read(text) !== null;

export function decodeCursor(text: string): QueueCursor {
  const cursor = read(text);
  if (!cursor) throw new InvalidInput({ cursor: msg('cases.queue.badCursor') });
  return cursor;
}

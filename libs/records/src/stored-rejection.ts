import { ByteSize, MessageRef, MessageValues, msg } from '@consilium/core';

/** A message argument as a row keeps it: a number, a choice word, or a size in bytes (formatted by the reader's locale). */
export type StoredValue = string | number | { bytes: number };

/**
 * Why a file was refused, as its row keeps it: the code and the message's arguments (limits and choice words, never
 * the patient's data), so a page words it in its reader's language; and the words in English, for API readers that
 * show text.
 */
export interface StoredRejection {
  code: string;
  message: string;
  values?: Record<string, StoredValue>;
}

/** The arguments of a refusal in a form JSON keeps; anything that is not a number, a word or a size is dropped. */
export function storedValues(values: MessageValues | undefined): Record<string, StoredValue> | undefined {
  if (!values) return undefined;
  const kept: Record<string, StoredValue> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value instanceof ByteSize) kept[name] = { bytes: value.bytes };
    else if (typeof value === 'string' || typeof value === 'number') kept[name] = value;
  }
  return Object.keys(kept).length ? kept : undefined;
}

/** The refusal's words by key (`records.errors.<code>.message`), for a page to write in its reader's language. */
export function rejectionMessage(rejection: Pick<StoredRejection, 'code' | 'values'>): MessageRef {
  const values: MessageValues = {};
  for (const [name, value] of Object.entries(rejection.values ?? {}))
    values[name] = typeof value === 'object' ? new ByteSize(value.bytes) : value;
  return msg(`records.errors.${rejection.code}.message`, values);
}

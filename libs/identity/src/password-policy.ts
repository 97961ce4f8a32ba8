import { msg, type MessageRef } from '@consilium/core';
import { hash, verify } from '@node-rs/argon2';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const MIN_LENGTH = 12;
/** argon2 is slow on purpose; an unbounded input would make it a denial-of-service lever. */
const MAX_LENGTH = 128;

let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(path.join(__dirname, 'passwords', 'common-passwords.txt'), 'utf8')
      .split('\n')
      .filter(Boolean),
  );
  return common;
}

/**
 * NIST SP 800-63B: at least 12 characters, not a known breached or common password, not the email; no composition
 * rules. Returns the problem (a catalog key), or null.
 */
export function passwordProblem(password: string, email?: string): MessageRef | null {
  if (password.length < MIN_LENGTH) return msg('identity.passwordRule.tooShort', { min: MIN_LENGTH });
  if (password.length > MAX_LENGTH) return msg('identity.passwordRule.tooLong', { max: MAX_LENGTH });
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) return msg('identity.passwordRule.common');
  if (email && lower.includes(email.toLowerCase().split('@')[0]) && email.split('@')[0].length >= 4) {
    return msg('identity.passwordRule.email');
  }
  if (/^(.)\1+$/.test(password)) return msg('identity.passwordRule.repeated');
  return null;
}

/** argon2id with the library's recommended cost (19 MiB, 2 passes). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: 2 });
}

export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored || password.length > MAX_LENGTH) {
    // Same work whether or not the account exists, so timing does not reveal it.
    dummyHash ??= hashPassword('no account has this password');
    await verify(await dummyHash, password.slice(0, MAX_LENGTH)).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}

let dummyHash: Promise<string> | undefined;

import { ConsentKind } from '@consilium/cases';
import { emergencyNumber, Translator } from '@consilium/core';
import { createHash } from 'node:crypto';
import path from 'node:path';

/**
 * The texts a patient agrees to before a request is sent: `consents.<kind>.title|body|agree` in the catalogs beside
 * this file (`consents/i18n/<lang>.json`, one per platform language), with the hospital's name and the emergency
 * number of the country the patient lives in. Each kind has a version; the case stores the version and the SHA-256
 * of exactly the words shown (in the patient's language), so the hospital can later prove which text was agreed to.
 * Changing a text means a new version: drafts that agreed to the old one are asked again.
 */
const VERSIONS: Record<ConsentKind, string> = {
  // 2026-12-07: the emergency number is the patient's country's, no longer always 911.
  terms: '2026-12-07',
  records_authorization: '2026-11-01',
  educational_disclaimer: '2026-11-01',
  physician_to_physician: '2026-11-01',
  proxy_guardian: '2026-12-08',
  proxy_authorization: '2026-12-08',
};

/** Where the consent texts' catalogs are, registered under the `consents` namespace by the intake module. */
export const CONSENT_CATALOGS = path.join(__dirname, 'consents', 'i18n');

export interface ConsentDocument {
  kind: ConsentKind;
  version: string;
  title: string;
  text: string;
  agree: string;
  /** SHA-256 (hex) of `title`, a blank line, and `text`: what the patient saw. */
  sha256: string;
}

export interface ConsentReader {
  /** The hospital's name, as the texts name it. */
  hospital: string;
  /** Where the patient lives: a US state (`US-IL`) or a country (`MX`); it decides the emergency number. */
  jurisdiction?: string | null;
}

export function consentDocument(kind: ConsentKind, locale: string, reader: ConsentReader, translator: Translator): ConsentDocument {
  const values = { hospital: reader.hospital, emergency: emergencyNumber(reader.jurisdiction) };
  const title = translator.t(`consents.${kind}.title`, locale, values);
  const text = translator.t(`consents.${kind}.body`, locale, values);
  return {
    kind,
    version: VERSIONS[kind],
    title,
    text,
    agree: translator.t(`consents.${kind}.agree`, locale, values),
    sha256: createHash('sha256').update(`${title}\n\n${text}`).digest('hex'),
  };
}

/** The version in force for each kind: a consent given for an older one is asked again. */
export const CURRENT_CONSENT_VERSIONS: Record<ConsentKind, string> = { ...VERSIONS };

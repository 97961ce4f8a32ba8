import { ConsentKind } from '@consilium/cases';
import { Translator } from '@consilium/core';
import { createHash } from 'node:crypto';

/**
 * The texts a patient agrees to before a request is sent, in the intake catalogs (`intake.consent.<kind>.title`,
 * `.body`, `.agree`, in every platform language). Each kind has a version here; the case stores the version and the
 * SHA-256 of exactly the words shown (in the patient's language, with the hospital's name), so the hospital can
 * later prove which text was agreed to. Changing a text means a new version here: drafts that agreed to the old one
 * are asked again (consent-documents.spec.ts pins the English wording of each version).
 */
export const CURRENT_CONSENT_VERSIONS: Record<ConsentKind, string> = {
  terms: '2026-11-01',
  records_authorization: '2026-11-01',
  educational_disclaimer: '2026-11-01',
  physician_to_physician: '2026-11-01',
};

export interface ConsentDocument {
  kind: ConsentKind;
  version: string;
  title: string;
  text: string;
  agree: string;
  /** SHA-256 (hex) of `title`, a blank line, and `text`: what the patient saw. */
  sha256: string;
}

export function consentDocument(kind: ConsentKind, locale: string, hospital: string, translator: Translator): ConsentDocument {
  const title = translator.t(`intake.consent.${kind}.title`, locale);
  const text = translator.t(`intake.consent.${kind}.body`, locale, { hospital });
  return {
    kind,
    version: CURRENT_CONSENT_VERSIONS[kind],
    title,
    text,
    agree: translator.t(`intake.consent.${kind}.agree`, locale),
    sha256: createHash('sha256').update(`${title}\n\n${text}`).digest('hex'),
  };
}

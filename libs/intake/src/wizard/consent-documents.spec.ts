import { CONSENT_KINDS } from '@consilium/cases';
import { Translator } from '@consilium/core';
import path from 'node:path';
import { consentDocument, CURRENT_CONSENT_VERSIONS } from './consent-documents';

/**
 * A consent's stored version says which words the patient agreed to: the English wording of each version is pinned
 * here (its SHA-256 for a hospital named "H"; the same words as when they lived in code), so changing the words
 * without a new version fails.
 */
const PINNED: Record<string, string> = {
  'terms@2026-11-01': '95eb2f261fc66c0728cbb44f119d1808e02b66e8fe061b5dd2029d5d3ff19f3d',
  'records_authorization@2026-11-01': 'ad7d47ad9694b1432feda30c3ca37318239280c93d04603481e12aec0ad72a77',
  'educational_disclaimer@2026-11-01': '32c8e3c08d011e56c98be06a15c42f2e5b2e7b7659d3956696dba526d45093d7',
  'physician_to_physician@2026-11-01': 'b29b868aedaa343c07c185a5f3b134defa73dafa746727404933a23c39d9bfa4',
};

describe('consent documents', () => {
  const translator = new Translator();
  translator.register('intake', path.join(__dirname, '..', 'views', 'i18n'));

  it.each(CONSENT_KINDS)('%s: the wording of its version is the one pinned', (kind) => {
    const doc = consentDocument(kind, 'en', 'H', translator);
    expect({ kind, version: doc.version, sha256: doc.sha256 }).toEqual({
      kind,
      version: CURRENT_CONSENT_VERSIONS[kind],
      sha256: PINNED[`${kind}@${CURRENT_CONSENT_VERSIONS[kind]}`],
    });
  });

  it('is written in each language with the hospital’s name, and hashes what was shown', () => {
    const fr = consentDocument('terms', 'fr', 'Hôpital Laval', translator);
    expect(fr.title).toBe('Conditions du service de deuxième avis');
    expect(fr.text).toContain('Hôpital Laval examine');
    expect(fr.sha256).not.toBe(consentDocument('terms', 'es', 'Hôpital Laval', translator).sha256);
  });
});

import { CONSENT_KINDS } from '@consilium/cases';
import { platformLocales, Translator } from '@consilium/core';
import { CONSENT_CATALOGS, consentDocument, CURRENT_CONSENT_VERSIONS } from './consent-documents';

describe('consent documents', () => {
  const translator = new Translator();
  translator.register('consents', CONSENT_CATALOGS);
  const hospital = 'Lakeshore Medical Center';

  it('tell a patient the emergency number of the country they live in', () => {
    const terms = (locale: string, jurisdiction: string | null) =>
      consentDocument('terms', locale, { hospital, jurisdiction }, translator).text;
    expect(terms('en', 'US-IL')).toContain('call 911 or your own doctor');
    expect(terms('es', 'MX')).toContain('llame al 911 o a su médico');
    expect(terms('es', 'ES')).toContain('llame al 112 o a su médico');
    expect(terms('en', 'GB')).toContain('call 999 or your own doctor');
    expect(terms('en', 'AU')).toContain('call 000 or your own doctor');
    expect(terms('fr', 'FR')).toContain('appelez le 112 ou votre médecin');
    expect(terms('fr', 'CA')).toContain('appelez le 911 ou votre médecin');
    // Unknown: the GSM number, which mobile phones route to the local service almost everywhere.
    expect(terms('en', null)).toContain('call 112 or your own doctor');
  });

  it('keep the words a patient in the US agreed to before, so their hashes still prove them', () => {
    // SHA-256 of the texts as they were when they lived in code (version 2026-11-01), for this hospital.
    const before = {
      en: {
        terms: 'c7484ea39d2776dad16b0ed3023ed6891c67ac5b205179d78af7f6df247a514b',
        records_authorization: '64430842dd723f2fd040edd553e4e4973cd224a9eba2e486083e5ee7c870a5c4',
      },
      es: {
        terms: '278d815d2d0c5cf4252116a2fa0630f1cca7591a39feee95b958fed8239a95ab',
        records_authorization: 'f0bcceaae990b37d16ac250340fb72cd96bbd9c3330b1733676089ad434db147',
      },
    };
    for (const [locale, hashes] of Object.entries(before)) {
      for (const [kind, sha256] of Object.entries(hashes)) {
        expect(consentDocument(kind as 'terms', locale, { hospital, jurisdiction: 'US-NY' }, translator).sha256).toBe(sha256);
      }
    }
  });

  it('exist in every platform language, with the hospital named and a version for each kind', () => {
    for (const locale of platformLocales()) {
      for (const kind of CONSENT_KINDS) {
        const document = consentDocument(kind, locale, { hospital, jurisdiction: 'FR' }, translator);
        expect(document.version).toBe(CURRENT_CONSENT_VERSIONS[kind]);
        for (const words of [document.title, document.text, document.agree]) expect(words).not.toMatch(/[{}]|^consents\./);
        expect(document.text).toContain(hospital);
      }
    }
    expect(consentDocument('educational_disclaimer', 'fr', { hospital }, translator).title).toBe('Un avis à visée éducative');
  });
});

import { DOMParser } from '@xmldom/xmldom';
import { X509Certificate } from 'node:crypto';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  /** Signing certificates as PEM. */
  certs: string[];
}

/** What is wrong with a metadata document; identity's console words and the blueprint's messages are keyed by it. */
export type IdpMetadataProblem =
  'metadataUnreadable' | 'metadataNoIdp' | 'metadataNoRedirect' | 'metadataNoCertificate' | 'metadataBadCertificate';

/** English for operators (`tenants validate`); the console says the same in the reader's language. */
export const IDP_METADATA_PROBLEMS: Record<IdpMetadataProblem, string> = {
  metadataUnreadable: 'is not readable XML: paste the IdP’s whole metadata file',
  metadataNoIdp: 'describes no identity provider (no IDPSSODescriptor with an entityID): use the IdP’s own metadata',
  metadataNoRedirect: 'has no SingleSignOnService with the HTTP-Redirect binding',
  metadataNoCertificate: 'has no signing certificate, so no assertion could be checked',
  metadataBadCertificate: 'has a signing certificate that cannot be read: download the metadata again',
};

/**
 * What the platform needs of an IdP's SAML metadata: its entity ID, its single sign-on address (HTTP-Redirect) and
 * its signing certificates; or the first thing missing. Shared by the console (identity) and the blueprint schema.
 */
export function parseIdpMetadata(xml: string): { ok: true; metadata: IdpMetadata } | { ok: false; problem: IdpMetadataProblem } {
  const fail = (problem: IdpMetadataProblem) => ({ ok: false as const, problem });
  let broken = false;
  const doc = new DOMParser({
    errorHandler: { warning: () => undefined, error: () => (broken = true), fatalError: () => (broken = true) },
  }).parseFromString(xml, 'text/xml');
  if (broken || !doc?.documentElement) return fail('metadataUnreadable');
  const entity = doc.getElementsByTagNameNS(MD, 'EntityDescriptor')[0];
  const idp = doc.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0];
  const entityId = entity?.getAttribute('entityID') ?? '';
  if (!idp || !entityId) return fail('metadataNoIdp');
  const services = Array.from(idp.getElementsByTagNameNS(MD, 'SingleSignOnService'));
  const ssoUrl = services.find((s) => s.getAttribute('Binding') === REDIRECT)?.getAttribute('Location') ?? '';
  if (!/^https?:\/\//.test(ssoUrl)) return fail('metadataNoRedirect');
  const certs: string[] = [];
  for (const key of Array.from(idp.getElementsByTagNameNS(MD, 'KeyDescriptor'))) {
    if (key.getAttribute('use') === 'encryption') continue;
    for (const cert of Array.from(key.getElementsByTagNameNS(DS, 'X509Certificate'))) {
      const body = (cert.textContent ?? '').replace(/\s+/g, '');
      const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
      try {
        new X509Certificate(pem);
      } catch {
        return fail('metadataBadCertificate');
      }
      certs.push(pem);
    }
  }
  if (!certs.length) return fail('metadataNoCertificate');
  return { ok: true, metadata: { entityId, ssoUrl, certs } };
}

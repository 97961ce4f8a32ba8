import { DOMParser } from '@xmldom/xmldom';
import { InvalidInput, msg } from '@consilium/core';
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

/**
 * What the platform needs of an IdP's SAML metadata: its entity ID, its single sign-on address (HTTP-Redirect) and
 * its signing certificates. Each thing missing is a message beside the field that says what to paste instead.
 */
export function readIdpMetadata(xml: string, field = 'samlMetadata'): IdpMetadata {
  const refuse = (key: string): never => {
    throw new InvalidInput({ [field]: msg(`identity.saml.${key}`) });
  };
  let broken = false;
  const doc = new DOMParser({
    errorHandler: { warning: () => undefined, error: () => (broken = true), fatalError: () => (broken = true) },
  }).parseFromString(xml, 'text/xml');
  if (broken || !doc?.documentElement) return refuse('metadataUnreadable');
  const entity = doc.getElementsByTagNameNS(MD, 'EntityDescriptor')[0];
  const idp = doc.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0];
  if (!entity || !idp) return refuse('metadataNoIdp');
  const entityId = entity.getAttribute('entityID') ?? '';
  if (!entityId) return refuse('metadataNoIdp');
  const services = Array.from(idp.getElementsByTagNameNS(MD, 'SingleSignOnService'));
  const ssoUrl = services.find((s) => s.getAttribute('Binding') === REDIRECT)?.getAttribute('Location') ?? '';
  if (!/^https?:\/\//.test(ssoUrl)) return refuse('metadataNoRedirect');
  const certs: string[] = [];
  for (const key of Array.from(idp.getElementsByTagNameNS(MD, 'KeyDescriptor'))) {
    if (key.getAttribute('use') === 'encryption') continue;
    for (const cert of Array.from(key.getElementsByTagNameNS(DS, 'X509Certificate'))) {
      const body = (cert.textContent ?? '').replace(/\s+/g, '');
      const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
      try {
        new X509Certificate(pem);
      } catch {
        return refuse('metadataBadCertificate');
      }
      certs.push(pem);
    }
  }
  if (!certs.length) return refuse('metadataNoCertificate');
  return { entityId, ssoUrl, certs };
}

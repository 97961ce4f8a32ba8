import { createSign, generateKeyPairSync, KeyObject, randomUUID, X509Certificate } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
// The IdP signs with the same SAML library the platform verifies with (node-saml's own XML signing).
import { signXml } from '@node-saml/node-saml/lib/xml';

/** DER, just enough of it for a self-signed certificate. */
const der = (tag: number, body: Buffer): Buffer => {
  const len = body.length;
  const head = len < 0x80 ? Buffer.from([len]) : len < 0x100 ? Buffer.from([0x81, len]) : Buffer.from([0x82, len >> 8, len & 0xff]);
  return Buffer.concat([Buffer.from([tag]), head, body]);
};
const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const oid = (bytes: number[]) => der(0x06, Buffer.from(bytes));
const SHA256_RSA = seq(oid([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]), Buffer.from([0x05, 0x00]));
const name = (cn: string) => seq(der(0x31, seq(oid([0x55, 0x04, 0x03]), der(0x0c, Buffer.from(cn)))));
const utcTime = (d: Date) => der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`));

/** A self-signed X.509 certificate made with node:crypto alone (node cannot issue one itself). */
export function selfSignedCertificate(commonName: string): { privateKey: KeyObject; pem: string; base64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(
      0x02,
      Buffer.from([
        0x01,
        ...randomUUID()
          .replace(/-/g, '')
          .slice(0, 14)
          .match(/../g)!
          .map((h) => parseInt(h, 16)),
      ]),
    ),
    SHA256_RSA,
    name(commonName),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 365 * 86400_000))),
    name(commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = createSign('sha256').update(tbs).sign(privateKey);
  const cert = seq(tbs, SHA256_RSA, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const base64 = cert.toString('base64');
  const pem = `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  new X509Certificate(pem); // fails here, not in the platform, if the encoding is wrong
  return { privateKey, pem, base64 };
}

export interface SamlPerson {
  email: string;
  groups?: string[];
  /** AuthnContextClassRef of the assertion. */
  context?: string;
}

/** Ways an IdP (or someone between it and us) gets an assertion wrong. */
export interface Flaw {
  unsigned?: boolean;
  /** Changed after signing. */
  tampered?: boolean;
  audience?: string;
  recipient?: string;
  /** NotOnOrAfter in the past. */
  expired?: boolean;
  assertionId?: string;
  /** Signed by a key the hospital never gave us. */
  otherKey?: boolean;
}

/**
 * A SAML 2.0 IdP for tests: its metadata (entity ID, HTTP-Redirect sign-on address, a signing certificate made in
 * the test), and `respond`, which reads the platform's AuthnRequest from the redirect and answers it as an IdP's
 * HTTP-POST form would, with a signed assertion.
 */
export function samlIdp(entityId = `https://idp-${randomUUID().slice(0, 8)}.example.net/saml`) {
  const key = selfSignedCertificate('Test IdP');
  const other = selfSignedCertificate('Someone else');
  const ssoUrl = `${entityId}/sso`;
  const metadata = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;

  function respond(redirectUrl: string, person: SamlPerson, flaw: Flaw = {}): { SAMLResponse: string; RelayState: string } {
    const url = new URL(redirectUrl);
    if (`${url.origin}${url.pathname}` !== ssoUrl) throw new Error(`not this IdP's sign-on address: ${redirectUrl}`);
    const request = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
    const requestId = /\sID="([^"]+)"/.exec(request)![1];
    const acs = /AssertionConsumerServiceURL="([^"]+)"/.exec(request)![1];
    const audience = flaw.audience ?? /<saml:Issuer[^>]*>([^<]+)</.exec(request)![1];
    const now = new Date();
    const later = new Date(now.getTime() + (flaw.expired ? -60_000 : 5 * 60_000)).toISOString();
    const assertionId = flaw.assertionId ?? `_a${randomUUID()}`;
    const groups = (person.groups ?? []).map((g) => `<saml:AttributeValue xsi:type="xs:string">${g}</saml:AttributeValue>`).join('');
    const assertion = `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${assertionId}" Version="2.0" IssueInstant="${now.toISOString()}"><saml:Issuer>${entityId}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${person.email}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${requestId}" NotOnOrAfter="${later}" Recipient="${flaw.recipient ?? acs}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${new Date(now.getTime() - 60_000).toISOString()}" NotOnOrAfter="${later}"><saml:AudienceRestriction><saml:Audience>${audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="_s${randomUUID()}"><saml:AuthnContext><saml:AuthnContextClassRef>${person.context ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="groups">${groups}</saml:Attribute></saml:AttributeStatement></saml:Assertion>`;
    const signed = flaw.unsigned
      ? assertion
      : signXml(
          assertion,
          `//*[local-name(.)='Assertion']`,
          { reference: `//*[local-name(.)='Issuer']`, action: 'after' },
          {
            privateKey: (flaw.otherKey ? other : key).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
            signatureAlgorithm: 'sha256',
          },
        );
    const body = flaw.tampered ? signed.replace(`>${person.email}<`, '>someone.else@example.net<') : signed;
    const response = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomUUID()}" Version="2.0" IssueInstant="${now.toISOString()}" Destination="${acs}" InResponseTo="${requestId}"><saml:Issuer>${entityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${body}</samlp:Response>`;
    return { SAMLResponse: Buffer.from(response).toString('base64'), RelayState: url.searchParams.get('RelayState')! };
  }

  return { entityId, ssoUrl, metadata, respond };
}

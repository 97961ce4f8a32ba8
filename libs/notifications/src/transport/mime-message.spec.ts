import { parseEml } from '../outbox/eml-reader';
import { OutgoingEmail } from './email-transport';
import { buildMimeMessage, encodeHeaderValue, formatAddress } from './mime-message';

const email = (overrides: Partial<OutgoingEmail> = {}): OutgoingEmail => ({
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  tenantId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  tenantSlug: 'lakeshore',
  template: 'password-reset',
  locale: 'es',
  from: { name: 'Clínica Añil — Segunda Opinión', address: 'segunda@anil.example' },
  replyTo: 'ayuda@anil.example',
  to: 'ana@example.org',
  subject: 'Restablezca su contraseña: un enlace válido por sesenta minutos, para su cuenta en la Clínica Añil',
  html: '<p>Hola, <strong>señora</strong></p>',
  text: 'Hola,\nseñora ñandú 🎉',
  date: new Date('2026-11-27T10:00:00Z'),
  ...overrides,
});

describe('MIME messages for the outbox', () => {
  it('round-trips Spanish headers and bodies through RFC 2047 words and base64 parts', () => {
    const raw = buildMimeMessage(email(), 'consilium.example');
    const parsed = parseEml(raw);
    expect(parsed.headers.subject).toBe(email().subject);
    expect(parsed.headers.from).toBe('Clínica Añil — Segunda Opinión <segunda@anil.example>');
    expect(parsed.headers['message-id']).toBe('<0f8fad5b-d9cb-469f-a165-70867728950e@consilium.example>');
    expect(parsed.headers['x-consilium-tenant']).toBe('lakeshore');
    expect(parsed.text).toBe('Hola,\nseñora ñandú 🎉');
    expect(parsed.html).toBe('<p>Hola, <strong>señora</strong></p>');
  });

  it('writes only 7-bit lines no longer than 78 characters, ending in CRLF', () => {
    const raw = buildMimeMessage(email(), 'consilium.example');
    // eslint-disable-next-line no-control-regex -- 7-bit: every character from NUL to DEL
    expect(raw).toMatch(/^[\x00-\x7f]*$/);
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect(raw.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('keeps every encoded word within 75 characters without splitting a character', () => {
    const encoded = encodeHeaderValue('ñ'.repeat(100) + '🎉'.repeat(30));
    for (const word of encoded.split('\r\n ')) {
      expect(word.length).toBeLessThanOrEqual(75);
      const body = /^=\?UTF-8\?B\?(.*)\?=$/.exec(word)![1];
      expect(Buffer.from(body, 'base64').toString('utf8')).not.toContain('\ufffd');
    }
  });

  it('cannot be made to add a header through a subject or a name', () => {
    const raw = buildMimeMessage(
      email({ subject: 'Hi\r\nBcc: evil@example.org', from: { name: 'A "B" \\ C', address: 'a@b.example' } }),
      'x.example',
    );
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    expect(head).not.toMatch(/^Bcc:/m);
    expect(formatAddress('A "B" \\ C', 'a@b.example')).toBe('"A \\"B\\" \\\\ C" <a@b.example>');
  });
});

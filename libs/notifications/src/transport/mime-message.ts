import type { OutgoingEmail } from './email-transport';

const CRLF = '\r\n';
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * An RFC 5322 message (multipart/alternative, UTF-8 parts in base64), as the local outbox stores it. Header values
 * outside ASCII become RFC 2047 encoded words, so Spanish subjects and names survive any mail reader.
 */
export function buildMimeMessage(email: OutgoingEmail, messageIdDomain: string): string {
  const boundary = `=_consilium_${email.id.replace(/-/g, '')}`;
  const headers: [string, string][] = [
    ['Message-ID', `<${email.id}@${messageIdDomain}>`],
    ['Date', email.date.toUTCString()],
    ['From', formatAddress(email.from.name, email.from.address)],
    ['To', email.to],
    ...(email.replyTo ? ([['Reply-To', email.replyTo]] as [string, string][]) : []),
    ['Subject', encodeHeaderValue(email.subject)],
    ['MIME-Version', '1.0'],
    ['Content-Type', `multipart/alternative;${CRLF} boundary="${boundary}"`],
    ['X-Consilium-Message-Id', email.id],
    ['X-Consilium-Tenant', email.tenantSlug],
    ['X-Consilium-Template', email.template],
    ['X-Consilium-Locale', email.locale],
  ];
  const part = (type: string, body: string, at = boundary, extra: string[] = []) =>
    [`--${at}`, `Content-Type: ${type}; charset=utf-8`, ...extra, 'Content-Transfer-Encoding: base64', '', base64Lines(body)].join(CRLF);
  const alternative = [part('text/plain', email.text), part('text/html', email.html)];
  if (!email.calendar) {
    return [...headers.map(([name, value]) => `${name}: ${value}`), '', ...alternative, `--${boundary}--`, ''].join(CRLF);
  }
  // An invitation: mail readers that understand iTIP show the text/calendar alternative as an invitation; the others
  // offer invite.ics to open.
  const mixed = `=_mixed_${email.id.replace(/-/g, '')}`;
  const method = email.calendar.method;
  headers.splice(
    headers.findIndex(([name]) => name === 'Content-Type'),
    1,
    ['Content-Type', `multipart/mixed;${CRLF} boundary="${mixed}"`],
  );
  return [
    ...headers.map(([name, value]) => `${name}: ${value}`),
    '',
    `--${mixed}`,
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
    '',
    ...alternative,
    part(`text/calendar; method=${method}`, email.calendar.ics),
    `--${boundary}--`,
    part(`application/ics; name="invite.ics"`, email.calendar.ics, mixed, ['Content-Disposition: attachment; filename="invite.ics"']),
    `--${mixed}--`,
    '',
  ].join(CRLF);
}

/** `Name <address>`, quoted or encoded as the name needs. */
export function formatAddress(name: string, address: string, options: { fold?: boolean } = {}): string {
  if (!name) return address;
  if (PRINTABLE_ASCII.test(name)) return `"${name.replace(/(["\\])/g, '\\$1')}" <${address}>`;
  // Folded for a message file (the address on a line of its own keeps lines short); one line for an API parameter.
  const gap = options.fold === false ? ' ' : `${CRLF} `;
  return `${encodeHeaderValue(name, gap)}${gap}<${address}>`;
}

/**
 * RFC 2047 B-encoding, never splitting a character across words. Words of at most 60 characters keep each line,
 * header name included, under the 78 characters RFC 5322 asks for.
 */
export function encodeHeaderValue(value: string, gap = `${CRLF} `): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  if (PRINTABLE_ASCII.test(clean)) return clean;
  const words: string[] = [];
  let chunk = '';
  for (const char of clean) {
    // 36 bytes encode to 48 base64 characters; with "=?UTF-8?B?" and "?=" a word is at most 60.
    if (Buffer.byteLength(chunk + char) > 36) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(gap);
}

function base64Lines(body: string): string {
  const encoded = Buffer.from(body, 'utf8').toString('base64');
  return encoded.match(/.{1,76}/g)?.join(CRLF) ?? '';
}

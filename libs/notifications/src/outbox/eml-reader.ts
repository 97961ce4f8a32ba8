/** A message as the outbox wrote it (transport/mime-message.ts), read back for the CLI and the operator page. */
export interface ParsedEmail {
  headers: Record<string, string>;
  text?: string;
  html?: string;
  /** A calendar invitation's iTIP text (the text/calendar part). */
  calendar?: string;
}

/** Reads our own multipart/alternative messages: unfolds headers, decodes RFC 2047 words and base64 parts. */
export function parseEml(raw: string): ParsedEmail {
  const [head, body = ''] = splitOnce(raw, /\r?\n\r?\n/);
  const headers = parseHeaders(head);
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  const parsed: ParsedEmail = { headers };
  if (!boundary) return { ...parsed, text: body };
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const [partHead, partBody = ''] = splitOnce(chunk.replace(/^\r?\n/, ''), /\r?\n\r?\n/);
    const partHeaders = parseHeaders(partHead);
    // An invitation nests the alternative parts inside multipart/mixed.
    if (/^multipart\//i.test(partHeaders['content-type'] ?? '')) {
      const inner = parseEml(chunk.replace(/^\r?\n/, ''));
      Object.assign(parsed, {
        text: parsed.text ?? inner.text,
        html: parsed.html ?? inner.html,
        calendar: parsed.calendar ?? inner.calendar,
      });
      continue;
    }
    const content = /base64/i.test(partHeaders['content-transfer-encoding'] ?? '')
      ? Buffer.from(partBody.replace(/\s+/g, ''), 'base64').toString('utf8')
      : partBody.replace(/\r?\n$/, '');
    if (/^text\/html/i.test(partHeaders['content-type'] ?? '')) parsed.html = content;
    else if (/^text\/plain/i.test(partHeaders['content-type'] ?? '')) parsed.text = content;
    else if (/^text\/calendar/i.test(partHeaders['content-type'] ?? '')) parsed.calendar ??= content;
  }
  return parsed;
}

/** Header names lower-cased; a repeated header keeps its first value. */
export function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= decodeWords(line.slice(colon + 1).trim());
  }
  return headers;
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

function splitOnce(value: string, separator: RegExp): [string, string?] {
  const match = separator.exec(value);
  return match ? [value.slice(0, match.index), value.slice(match.index + match[0].length)] : [value];
}

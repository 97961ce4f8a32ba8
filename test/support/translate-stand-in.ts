import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface TranslateCall {
  target: string;
  text: string;
  source: string;
  to: string;
  /** The SigV4 scope the SDK signed for: <key>/<date>/<region>/<service>/aws4_request. */
  scope: string | null;
}

const TARGET = 'AWSShineFrontendService_20170701.TranslateText';
const LANGUAGES = ['en', 'es', 'fr', 'fr-CA', 'de'];

/**
 * Amazon Translate's JSON 1.1 protocol on a local port (the real service is outside our walls): it accepts only
 * signed POSTs of TranslateText with `X-Amz-Target` and `application/x-amz-json-1.1`, refuses texts over 10,000
 * bytes and unknown languages as Translate does, records each call, and "translates" with the phrases a test gives
 * it (an unknown text comes back tagged with the target language, so a test sees it went through).
 */
export class TranslateStandIn {
  readonly calls: TranslateCall[] = [];
  readonly phrases = new Map<string, string>();
  /** While set, every well-formed call is refused as Translate refuses a request it cannot serve (not retried). */
  failing = false;
  private server?: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => this.respond(req, body, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private respond(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const scope = /Credential=([^,]+)/.exec(String(req.headers.authorization ?? ''))?.[1] ?? null;
    const target = String(req.headers['x-amz-target'] ?? '');
    let input: { Text?: unknown; SourceLanguageCode?: unknown; TargetLanguageCode?: unknown } = {};
    try {
      input = JSON.parse(body) as typeof input;
    } catch {
      return this.error(res, 400, 'SerializationException', 'The request body is not JSON.');
    }
    const wellFormed =
      req.method === 'POST' &&
      target === TARGET &&
      String(req.headers['content-type']).startsWith('application/x-amz-json-1.1') &&
      !!scope?.endsWith('/translate/aws4_request') &&
      typeof input.Text === 'string' &&
      typeof input.SourceLanguageCode === 'string' &&
      typeof input.TargetLanguageCode === 'string';
    if (!wellFormed) return this.error(res, 400, 'ValidationException', 'The stand-in did not recognise this request.');
    const text = input.Text as string;
    const source = input.SourceLanguageCode as string;
    const to = input.TargetLanguageCode as string;
    this.calls.push({ target, text, source, to, scope });
    if (Buffer.byteLength(text) > 10000)
      return this.error(
        res,
        400,
        'TextSizeLimitExceededException',
        'Input text size exceeds limit. Max length of request text allowed is 10000 bytes',
      );
    if (!LANGUAGES.includes(source) || !LANGUAGES.includes(to))
      return this.error(res, 400, 'UnsupportedLanguagePairException', `Unsupported language pair: ${source} to ${to}.`);
    if (this.failing) return this.error(res, 400, 'InvalidRequestException', 'The stand-in was told to refuse.');
    const translated = this.phrases.get(text) ?? `[${to}] ${text}`;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ TranslatedText: translated, SourceLanguageCode: source, TargetLanguageCode: to }));
  }

  private error(res: http.ServerResponse, status: number, type: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
    res.end(JSON.stringify({ __type: type, message }));
  }
}

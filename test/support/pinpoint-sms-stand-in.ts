import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';

export type SmsAnswer = 'ok' | 'throttle' | 'reject';

export interface SmsCall {
  target: string;
  body: Record<string, unknown>;
  /** The SigV4 scope the SDK signed for: <key>/<date>/<region>/sms-voice/aws4_request. */
  scope: string | null;
  answer: SmsAnswer | 'invalid';
}

/**
 * AWS End User Messaging SMS (pinpoint-sms-voice-v2) on a local port, the real service being outside our walls: its
 * JSON 1.0 wire protocol (POST /, `X-Amz-Target: PinpointSMSVoiceV2.SendTextMessage`,
 * `application/x-amz-json-1.0`, SigV4 for `sms-voice`). It accepts SendTextMessage with a destination in E.164 and
 * a body, records each call and answers `{"MessageId"}`, or the service's JSON errors when scripted per number.
 */
export class PinpointSmsStandIn {
  readonly calls: SmsCall[] = [];
  private readonly scripts = new Map<string, SmsAnswer[]>();
  private server?: http.Server;
  url = '';

  script(number: string, answers: SmsAnswer[]): void {
    this.scripts.set(number, [...answers]);
  }

  sentTo(number: string): SmsCall[] {
    return this.calls.filter((c) => c.answer === 'ok' && c.body.DestinationPhoneNumber === number);
  }

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

  private respond(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const scope = /Credential=([^,]+)/.exec(String(req.headers.authorization ?? ''))?.[1] ?? null;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      // An unreadable body is answered below as invalid.
    }
    const wellFormed =
      req.method === 'POST' &&
      req.url === '/' &&
      String(req.headers['content-type']).startsWith('application/x-amz-json-1.0') &&
      target === 'PinpointSMSVoiceV2.SendTextMessage' &&
      !!scope?.endsWith('/sms-voice/aws4_request') &&
      typeof body.DestinationPhoneNumber === 'string' &&
      /^\+[1-9][0-9]{6,14}$/.test(body.DestinationPhoneNumber) &&
      typeof body.MessageBody === 'string' &&
      body.MessageBody.length > 0 &&
      body.MessageBody.length <= 1600;
    if (!wellFormed) {
      this.calls.push({ target, body, scope, answer: 'invalid' });
      return this.error(res, 400, 'ValidationException', 'The stand-in did not recognise this request.');
    }
    const answer = this.scripts.get(body.DestinationPhoneNumber as string)?.shift() ?? 'ok';
    this.calls.push({ target, body, scope, answer });
    if (answer === 'throttle') return this.error(res, 400, 'ThrottlingException', 'Rate exceeded.');
    if (answer === 'reject') return this.error(res, 400, 'ValidationException', 'DestinationPhoneNumber is opted out.');
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ MessageId: randomUUID() }));
  }

  private error(res: http.ServerResponse, status: number, type: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type });
    res.end(JSON.stringify({ __type: `com.amazonaws.pinpointsmsvoicev2#${type}`, message }));
  }
}

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';

export type SesAnswer = 'ok' | 'throttle' | 'reject';

export interface SesCall {
  action: string;
  params: URLSearchParams;
  /** The SigV4 scope the SDK signed for: <key>/<date>/<region>/<service>/aws4_request. */
  scope: string | null;
  answer: SesAnswer | 'invalid';
}

/**
 * Amazon SES's Query API on a local port (the real service is outside our walls): it accepts only signed POSTs of
 * SendEmail/SendRawEmail carrying a Source and a destination, records each call, and answers in SES's XML wire
 * format. Answers are scripted per recipient ("throttle twice, then accept").
 */
export class SesStandIn {
  readonly calls: SesCall[] = [];
  private readonly scripts = new Map<string, SesAnswer[]>();
  private server?: http.Server;
  url = '';

  script(recipient: string, answers: SesAnswer[]): void {
    this.scripts.set(recipient, [...answers]);
  }

  callsTo(recipient: string): SesCall[] {
    return this.calls.filter((c) => c.params.get('Destination.ToAddresses.member.1') === recipient);
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

  private respond(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    const scope = /Credential=([^,]+)/.exec(String(req.headers.authorization ?? ''))?.[1] ?? null;
    const wellFormed =
      req.method === 'POST' &&
      String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded') &&
      ['SendEmail', 'SendRawEmail'].includes(action) &&
      params.get('Version') === '2010-12-01' &&
      !!scope?.endsWith('/ses/aws4_request') &&
      (action === 'SendRawEmail' || (!!params.get('Source') && !!params.get('Destination.ToAddresses.member.1')));
    if (!wellFormed) {
      this.calls.push({ action, params, scope, answer: 'invalid' });
      return this.error(res, 400, 'Sender', 'InvalidParameterValue', 'The stand-in did not recognise this request.');
    }
    const recipient = params.get('Destination.ToAddresses.member.1') ?? '';
    const answer = this.scripts.get(recipient)?.shift() ?? 'ok';
    this.calls.push({ action, params, scope, answer });
    if (answer === 'throttle') return this.error(res, 400, 'Sender', 'Throttling', 'Maximum sending rate exceeded.');
    if (answer === 'reject') {
      const from = /<([^>]+)>/.exec(params.get('Source') ?? '')?.[1] ?? params.get('Source');
      return this.error(
        res,
        400,
        'Sender',
        'MessageRejected',
        `Email address is not verified. The following identities failed the check in region US-EAST-1: ${recipient}, ${from}`,
      );
    }
    const messageId = `0100019${randomUUID().replace(/-/g, '')}-000000`;
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendEmailResult><MessageId>${messageId}</MessageId></SendEmailResult>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></SendEmailResponse>`,
    );
  }

  private error(res: http.ServerResponse, status: number, type: string, code: string, message: string): void {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${type}</Type><Code>${code}</Code>` +
        `<Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );
  }
}

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface ChimeCall {
  method: string;
  path: string;
  body: Record<string, unknown>;
  /** The SigV4 scope the SDK signed for: <key>/<date>/<region>/chime/aws4_request. */
  scope: string | null;
  status: number;
}

interface Meeting {
  MeetingId: string;
  ExternalMeetingId?: string;
  MediaRegion: string;
  MediaPlacement: Record<string, string>;
  attendees: Map<string, { AttendeeId: string; ExternalUserId: string; JoinToken: string }>;
}

/**
 * Amazon Chime SDK meetings on a local port, the real service being outside our walls: its REST/JSON wire protocol
 * (restJson1, SigV4 for `chime`): POST /meetings (CreateMeeting, idempotent by ClientRequestToken), GET
 * /meetings/{id}, POST /meetings/{id}/attendees (CreateAttendee), DELETE /meetings/{id}/attendees/{attendeeId}
 * (204), and the service's NotFoundException / BadRequestException shapes. `end(id)` ends a meeting as the service
 * does five minutes after its last attendee left.
 */
export class ChimeMeetingsStandIn {
  readonly calls: ChimeCall[] = [];
  readonly meetings = new Map<string, Meeting>();
  private readonly byToken = new Map<string, string>();
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

  end(meetingId: string): void {
    this.meetings.delete(meetingId);
  }

  attendeesOf(meetingId: string): string[] {
    return [...(this.meetings.get(meetingId)?.attendees.values() ?? [])].map((a) => a.ExternalUserId);
  }

  private respond(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    const scope = /Credential=([^,]+)/.exec(String(req.headers.authorization ?? ''))?.[1] ?? null;
    const url = new URL(req.url ?? '/', 'http://stand-in');
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return this.answer(req, url, body, scope, res, 400, this.error('BadRequestException', 'The body is not JSON.'));
    }
    if (!scope?.endsWith('/chime/aws4_request')) {
      return this.answer(req, url, body, scope, res, 403, this.error('ForbiddenException', 'The request is not signed for chime.'));
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [root, meetingId, sub, attendeeId] = parts;
    if (root !== 'meetings') return this.answer(req, url, body, scope, res, 404, this.error('NotFoundException', 'No such route.'));

    if (req.method === 'POST' && parts.length === 1 && !url.search) return this.createMeeting(req, url, body, scope, res);
    const meeting = meetingId ? this.meetings.get(meetingId) : undefined;
    if (!meeting) return this.answer(req, url, body, scope, res, 404, this.error('NotFoundException', 'The meeting does not exist.'));
    if (req.method === 'GET' && parts.length === 2) return this.answer(req, url, body, scope, res, 200, { Meeting: this.shape(meeting) });
    if (req.method === 'POST' && sub === 'attendees' && parts.length === 3) {
      const external = body.ExternalUserId;
      if (typeof external !== 'string' || external.length < 2 || external.length > 64) {
        return this.answer(req, url, body, scope, res, 400, this.error('BadRequestException', 'ExternalUserId must be 2-64 characters.'));
      }
      const attendee = { AttendeeId: randomUUID(), ExternalUserId: external, JoinToken: randomUUID().replace(/-/g, '') };
      meeting.attendees.set(attendee.AttendeeId, attendee);
      return this.answer(req, url, body, scope, res, 200, { Attendee: attendee });
    }
    if (req.method === 'DELETE' && sub === 'attendees' && attendeeId) {
      if (!meeting.attendees.delete(attendeeId)) {
        return this.answer(req, url, body, scope, res, 404, this.error('NotFoundException', 'The attendee does not exist.'));
      }
      return this.answer(req, url, body, scope, res, 204, undefined);
    }
    return this.answer(req, url, body, scope, res, 400, this.error('BadRequestException', 'The stand-in did not recognise this request.'));
  }

  private createMeeting(req: http.IncomingMessage, url: URL, body: Record<string, unknown>, scope: string, res: http.ServerResponse): void {
    const token = body.ClientRequestToken;
    const region = body.MediaRegion;
    const external = body.ExternalMeetingId;
    if (
      typeof token !== 'string' ||
      token.length < 2 ||
      token.length > 64 ||
      typeof region !== 'string' ||
      !/^[a-z]{2}-[a-z]+-\d$/.test(region)
    ) {
      return this.answer(
        req,
        url,
        body,
        scope,
        res,
        400,
        this.error('BadRequestException', 'ClientRequestToken and MediaRegion are required.'),
      );
    }
    const known = this.byToken.get(token);
    const existing = known ? this.meetings.get(known) : undefined;
    if (existing) return this.answer(req, url, body, scope, res, 200, { Meeting: this.shape(existing) });
    const id = randomUUID();
    const meeting: Meeting = {
      MeetingId: id,
      ExternalMeetingId: typeof external === 'string' ? external : undefined,
      MediaRegion: region,
      MediaPlacement: {
        AudioHostUrl: `${id.slice(0, 8)}.k.m1.ue1.app.chime.aws:3478`,
        AudioFallbackUrl: `wss://haxrp.m1.ue1.app.chime.aws:443/calls/${id}`,
        SignalingUrl: `wss://signal.m1.ue1.app.chime.aws/control/${id}`,
        TurnControlUrl: 'https://2713.cell.us-east-1.meetings.chime.aws/v2/turn_sessions',
        ScreenDataUrl: `wss://bitpw.m1.ue1.app.chime.aws:443/v2/screen/${id}`,
        EventIngestionUrl: 'https://data.svc.ue1.ingest.chime.aws/v1/client-events',
      },
      attendees: new Map(),
    };
    this.meetings.set(id, meeting);
    this.byToken.set(token, id);
    return this.answer(req, url, body, scope, res, 200, { Meeting: this.shape(meeting) });
  }

  private shape(m: Meeting): Record<string, unknown> {
    return { MeetingId: m.MeetingId, ExternalMeetingId: m.ExternalMeetingId, MediaRegion: m.MediaRegion, MediaPlacement: m.MediaPlacement };
  }

  private error(type: string, message: string): { type: string; message: string } {
    return { type, message };
  }

  private answer(
    req: http.IncomingMessage,
    url: URL,
    body: Record<string, unknown>,
    scope: string | null,
    res: http.ServerResponse,
    status: number,
    payload: unknown,
  ): void {
    this.calls.push({ method: req.method ?? '', path: url.pathname + url.search, body, scope, status });
    const failure = payload as { type?: string; message?: string } | undefined;
    if (status >= 400 && failure?.type) {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': failure.type });
      return void res.end(JSON.stringify({ Code: failure.type, Message: failure.message }));
    }
    res.writeHead(status, status === 204 ? {} : { 'content-type': 'application/json' });
    res.end(status === 204 ? undefined : JSON.stringify(payload));
  }
}

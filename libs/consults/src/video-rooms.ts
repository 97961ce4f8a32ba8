import {
  ChimeSDKMeetingsClient,
  CreateAttendeeCommand,
  CreateMeetingCommand,
  DeleteAttendeeCommand,
  GetMeetingCommand,
  NotFoundException,
} from '@aws-sdk/client-chime-sdk-meetings';
import { createHash, randomUUID } from 'node:crypto';

/** What a browser needs to join: the meeting and this person's attendee (with its join token). */
export interface RoomPass {
  provider: 'chime' | 'demo';
  meetingId: string;
  mediaRegion: string;
  attendeeId: string;
  joinToken: string;
  /** The meeting's media placement (signalling and audio hosts) as the SDK hands it to amazon-chime-sdk-js. */
  meeting: Record<string, unknown>;
}

/**
 * A video service made for health care. `chime`: Amazon Chime SDK meetings (covered by the AWS BAA), one meeting per
 * booking, one attendee per person who joins. Nothing about the patient or the case is sent: the meeting's external id
 * is the booking id, an attendee's external id the account id.
 */
export interface VideoRooms {
  readonly name: 'chime' | 'demo';
  /** The meeting for a booking: the one it has if the service still runs it, else a new one. */
  meetingFor(bookingId: string, knownMeetingId: string | null): Promise<{ meetingId: string; meeting: Record<string, unknown> }>;
  join(meeting: { meetingId: string; meeting: Record<string, unknown> }, accountId: string): Promise<RoomPass>;
  leave(meetingId: string, attendeeId: string): Promise<void>;
}

export interface ChimeSettings {
  region: string;
  /** The media region meetings are placed in (defaults to the API's region). */
  mediaRegion?: string;
  /** A stand-in's URL (tests); unset for the real regional endpoint. */
  endpoint?: string;
}

export class ChimeVideoRooms implements VideoRooms {
  readonly name = 'chime' as const;
  private readonly client: ChimeSDKMeetingsClient;

  constructor(private readonly settings: ChimeSettings) {
    this.client = new ChimeSDKMeetingsClient({ region: settings.region, endpoint: settings.endpoint, maxAttempts: 3 });
  }

  async meetingFor(bookingId: string, knownMeetingId: string | null) {
    if (knownMeetingId) {
      try {
        const found = await this.client.send(new GetMeetingCommand({ MeetingId: knownMeetingId }));
        if (found.Meeting?.MeetingId) return { meetingId: found.Meeting.MeetingId, meeting: { ...found.Meeting } };
      } catch (error) {
        // A meeting ends five minutes after its last attendee leaves; then a new one is made for the same booking.
        if (!(error instanceof NotFoundException)) throw error;
      }
    }
    const created = await this.client.send(
      new CreateMeetingCommand({
        // Idempotent per booking and minute: two people pressing Join together get one meeting.
        ClientRequestToken: createHash('sha256')
          .update(`${bookingId}:${Math.floor(Date.now() / 60_000)}`)
          .digest('hex')
          .slice(0, 64),
        MediaRegion: this.settings.mediaRegion ?? this.settings.region,
        ExternalMeetingId: bookingId,
      }),
    );
    const meeting = created.Meeting;
    if (!meeting?.MeetingId) throw new Error('Chime SDK meetings answered CreateMeeting without a meeting.');
    return { meetingId: meeting.MeetingId, meeting: { ...meeting } };
  }

  async join(m: { meetingId: string; meeting: Record<string, unknown> }, accountId: string): Promise<RoomPass> {
    const { Attendee } = await this.client.send(new CreateAttendeeCommand({ MeetingId: m.meetingId, ExternalUserId: accountId }));
    if (!Attendee?.AttendeeId || !Attendee.JoinToken) throw new Error('Chime SDK meetings answered CreateAttendee without an attendee.');
    return {
      provider: 'chime',
      meetingId: m.meetingId,
      mediaRegion: typeof m.meeting.MediaRegion === 'string' ? m.meeting.MediaRegion : this.settings.region,
      attendeeId: Attendee.AttendeeId,
      joinToken: Attendee.JoinToken,
      meeting: m.meeting,
    };
  }

  async leave(meetingId: string, attendeeId: string): Promise<void> {
    try {
      await this.client.send(new DeleteAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }));
    } catch (error) {
      if (!(error instanceof NotFoundException)) throw error;
    }
  }

  onApplicationShutdown(): void {
    this.client.destroy();
  }
}

/**
 * The embedded default: no service, no media. The room page says it is a demo and shows the two parties' tiles; the
 * join and leave still pass the same authorization, audit and attendee bookkeeping as a real meeting.
 */
export class DemoVideoRooms implements VideoRooms {
  readonly name = 'demo' as const;

  meetingFor(bookingId: string, knownMeetingId: string | null) {
    const meetingId = knownMeetingId ?? `demo-${bookingId}`;
    return Promise.resolve({ meetingId, meeting: { MeetingId: meetingId, MediaRegion: 'local' } });
  }

  join(m: { meetingId: string; meeting: Record<string, unknown> }): Promise<RoomPass> {
    return Promise.resolve({
      provider: 'demo',
      meetingId: m.meetingId,
      mediaRegion: 'local',
      attendeeId: randomUUID(),
      joinToken: 'demo',
      meeting: m.meeting,
    });
  }

  leave(): Promise<void> {
    return Promise.resolve();
  }
}

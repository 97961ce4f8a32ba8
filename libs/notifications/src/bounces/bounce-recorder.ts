import { Injectable, Logger } from '@nestjs/common';
import { EmailMetrics, EmailFeedbackKind } from '../email-metrics';
import { EmailSenders } from '../senders/email-senders';
import { NewSuppression, SuppressionList } from '../suppression-list';

/** The parts of an SES bounce or complaint notification we use (identity notifications and event publishing). */
export interface SesFeedbackNotification {
  notificationType?: string;
  eventType?: string;
  bounce?: { bounceType?: string; bounceSubType?: string; feedbackId?: string; bouncedRecipients?: { emailAddress?: string }[] };
  complaint?: { complaintFeedbackType?: string; feedbackId?: string; complainedRecipients?: { emailAddress?: string }[] };
  mail?: { source?: string; messageId?: string; tags?: Record<string, string[]> };
}

export interface FeedbackOutcome {
  kind: string;
  tenantId: string | null;
  suppressed: number;
}

/**
 * Turns SES feedback into suppressions for the tenant whose message it was. Permanent bounces and complaints
 * suppress; transient bounces (a full mailbox) and deliveries do not. Logs carry ids and counts, never addresses.
 */
@Injectable()
export class BounceRecorder {
  private readonly logger = new Logger('EmailFeedback');

  constructor(
    private readonly senders: EmailSenders,
    private readonly suppressions: SuppressionList,
    private readonly metrics: EmailMetrics,
  ) {}

  async record(notification: SesFeedbackNotification, snsMessageId: string): Promise<FeedbackOutcome> {
    const kind = notification.notificationType ?? notification.eventType ?? 'unknown';
    const counted = feedbackKind(kind, notification);
    if (counted) this.metrics.reported(counted);
    const entries = this.suppressionsFor(kind, notification);
    if (!entries.length) return { kind, tenantId: null, suppressed: 0 };
    const tags = notification.mail?.tags ?? {};
    const tenantId = await this.senders.tenantForFeedback({
      tenantTag: tags['consilium-tenant']?.[0],
      configurationSet: tags['ses:configuration-set']?.[0],
      source: notification.mail?.source,
    });
    if (!tenantId) {
      this.logger.warn(
        { snsMessageId, sesMessageId: notification.mail?.messageId, kind },
        'SES feedback for a sender no tenant has; ignored',
      );
      return { kind, tenantId: null, suppressed: 0 };
    }
    const suppressed = await this.suppressions.add(tenantId, entries);
    this.logger.log({ snsMessageId, sesMessageId: notification.mail?.messageId, kind, tenantId, suppressed }, 'addresses suppressed');
    return { kind, tenantId, suppressed };
  }

  private suppressionsFor(kind: string, n: SesFeedbackNotification): NewSuppression[] {
    const valid = (address?: string): address is string =>
      typeof address === 'string' && /^[^\s@]+@[^\s@]+$/.test(address.trim()) && address.length <= 320;
    if (kind === 'Bounce' && n.bounce?.bounceType === 'Permanent') {
      return (n.bounce.bouncedRecipients ?? [])
        .map((r) => r.emailAddress)
        .filter(valid)
        .map((address) => ({ address, reason: 'bounce' as const, detail: n.bounce?.bounceSubType, feedbackId: n.bounce?.feedbackId }));
    }
    if (kind === 'Complaint') {
      return (n.complaint?.complainedRecipients ?? [])
        .map((r) => r.emailAddress)
        .filter(valid)
        .map((address) => ({
          address,
          reason: 'complaint' as const,
          detail: n.complaint?.complaintFeedbackType,
          feedbackId: n.complaint?.feedbackId,
        }));
    }
    return [];
  }
}

/** A bounce or complaint as the metrics count it; deliveries and anything else are not counted. */
function feedbackKind(kind: string, n: SesFeedbackNotification): EmailFeedbackKind | undefined {
  if (kind === 'Bounce') return n.bounce?.bounceType === 'Permanent' ? 'bounce' : 'transient_bounce';
  if (kind === 'Complaint') return 'complaint';
  return undefined;
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@consilium/core';
import { BounceRecorder, FeedbackOutcome, SesFeedbackNotification } from './bounce-recorder';
import { SNS_HTTP, SnsHttp, snsRegionOf } from './sns-http';
import { SnsMessage, SnsMessageMalformed, SnsMessageRejected } from './sns-message';
import { SnsVerifier } from './sns-verifier';

export type FeedbackResult =
  | { type: 'Notification'; outcome: FeedbackOutcome }
  | { type: 'SubscriptionConfirmation'; confirmed: boolean }
  | { type: 'UnsubscribeConfirmation' };

/**
 * What /webhooks/ses does with an SNS delivery: nothing at all unless the signature is valid and the topic is one we
 * configured (SES_SNS_TOPIC_ARNS); anyone can create a topic and sign messages with AWS's certificate.
 */
@Injectable()
export class SesFeedback {
  private readonly logger = new Logger('EmailFeedback');

  constructor(
    private readonly verifier: SnsVerifier,
    private readonly recorder: BounceRecorder,
    private readonly config: AppConfig,
    @Inject(SNS_HTTP) private readonly http: SnsHttp,
  ) {}

  async receive(message: SnsMessage): Promise<FeedbackResult> {
    if (!this.config.email.snsTopicArns.includes(message.TopicArn)) {
      this.logger.warn({ topic: message.TopicArn, type: message.Type }, 'SNS message from a topic not in SES_SNS_TOPIC_ARNS; refused');
      throw new SnsMessageRejected('the topic is not one this platform subscribes to');
    }
    await this.verifier.verify(message);
    if (message.Type === 'SubscriptionConfirmation') return { type: message.Type, confirmed: await this.confirm(message) };
    if (message.Type === 'UnsubscribeConfirmation') {
      this.logger.warn({ topic: message.TopicArn }, 'SNS unsubscribed this endpoint; bounces from this topic will stop arriving');
      return { type: message.Type };
    }
    let notification: SesFeedbackNotification;
    try {
      // Signed by SNS (verified above) and written by SES: its shape is SES's notification format.
      notification = JSON.parse(message.Message) as SesFeedbackNotification;
    } catch {
      throw new SnsMessageMalformed('the notification is not SES JSON');
    }
    return { type: message.Type, outcome: await this.recorder.record(notification, message.MessageId) };
  }

  /** Confirms by visiting SubscribeURL, but only on an SNS host; otherwise leaves it for an operator, in the log. */
  private async confirm(message: SnsMessage): Promise<boolean> {
    const url = message.SubscribeURL!;
    if (!snsRegionOf(url)) {
      this.logger.warn(
        { topic: message.TopicArn },
        'SNS subscription confirmation with a SubscribeURL off amazonaws.com: not visited; confirm it in the SNS console',
      );
      return false;
    }
    await this.http.get(url);
    this.logger.log({ topic: message.TopicArn }, 'SNS subscription confirmed');
    return true;
  }
}

import { Body, Controller, Post } from '@nestjs/common';
import { Webhook } from '@consilium/core';
import { SesFeedback } from './ses-feedback';
import { parseSnsMessage } from './sns-message';

/** Amazon SNS delivers SES bounces and complaints here. Any host: SNS knows only the platform's URL. */
@Controller('webhooks')
export class SesWebhookController {
  constructor(private readonly feedback: SesFeedback) {}

  // The caller is SNS, authenticated by the message signature and the topic allow-list (SesFeedback), not a session.
  @Webhook()
  @Post('ses')
  async receive(@Body() body: unknown): Promise<{ received: string }> {
    const result = await this.feedback.receive(parseSnsMessage(body));
    return { received: result.type };
  }
}

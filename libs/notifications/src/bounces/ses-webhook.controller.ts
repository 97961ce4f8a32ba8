import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Public } from '@consilium/core';
import { SesFeedback } from './ses-feedback';
import { parseSnsMessage } from './sns-message';

/** Amazon SNS delivers SES bounces and complaints here. Any host: SNS knows only the platform's URL. */
@Controller('webhooks')
export class SesWebhookController {
  constructor(private readonly feedback: SesFeedback) {}

  // Public: the caller is SNS, authenticated by the message signature and the topic allow-list, not a session.
  @Public()
  @Post('ses')
  @HttpCode(200)
  async receive(@Body() body: unknown): Promise<{ received: string }> {
    const result = await this.feedback.receive(parseSnsMessage(body));
    return { received: result.type };
  }
}

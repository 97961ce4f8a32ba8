import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig, ViewRenderer } from '@consilium/core';
import { AuditModule } from '@consilium/audit';
import { JobsModule } from '@consilium/jobs';
import { BlueprintSections, TenancyModule } from '@consilium/tenancy';
import path from 'node:path';
import { BounceRecorder } from './bounces/bounce-recorder';
import { BrandedAccountMail } from './branded-account-mail';
import { SesFeedback } from './bounces/ses-feedback';
import { SesWebhookController } from './bounces/ses-webhook.controller';
import { fetchSnsHttp, SNS_HTTP } from './bounces/sns-http';
import { SnsVerifier } from './bounces/sns-verifier';
import { EmailMetrics } from './email-metrics';
import { EmailSuppression } from './email-suppression.entity';
import { OperatorOutboxController } from './http/operator-outbox.controller';
import { EmailDelivery } from './jobs/email-delivery';
import { SendEmailHandler } from './jobs/send-email.handler';
import { Mailer } from './mailer';
import { OutboundEmail } from './outbound-email.entity';
import { OutboxStore } from './outbox/outbox-store';
import { EmailBlueprintSection } from './senders/email-blueprint.section';
import { EmailSender } from './senders/email-sender.entity';
import { EmailSenders } from './senders/email-senders';
import { EmailRenderer } from './rendering/email-renderer';
import { EmailTemplates } from './rendering/email-templates';
import { SmsConsents } from './sms/sms-consents';
import { SmsDelivery } from './sms/sms-delivery';
import { SmsInbound } from './sms/sms-inbound';
import { OutboxSmsTransport, PinpointSmsTransport, SMS_TRANSPORT, SmsTransport } from './sms/sms-transport';
import { ConsoleEmailSenderController, EmailSenderPage } from './senders/http/console-email-sender.controller';
import { SiteSmsSettingsController, SmsSettingsPage } from './sms/http/site-sms-settings.controller';
import { SmsWebhookController } from './sms/sms-webhook.controller';
import { TextMessages } from './sms/text-messages';
import { SuppressionList } from './suppression-list';
import { EMAIL_TRANSPORT, EmailTransport } from './transport/email-transport';
import { OutboxTransport } from './transport/outbox-transport';
import { SesTransport } from './transport/ses-transport';

/** The transport comes from configuration (EMAIL_TRANSPORT, SES_REGION), never from code. */
export function createEmailTransport(config: AppConfig): EmailTransport {
  if (config.email.transport === 'ses') return new SesTransport({ region: config.email.sesRegion!, endpoint: config.email.sesEndpoint });
  return new OutboxTransport(config.email.outboxDir, config.raw.PLATFORM_DOMAIN);
}

/** Texts: AWS End User Messaging when SMS_TRANSPORT is pinpoint (SMS_REGION set), else the local SMS outbox. */
export function createSmsTransport(config: AppConfig): SmsTransport {
  if (config.sms.transport === 'pinpoint') return new PinpointSmsTransport({ region: config.sms.region!, endpoint: config.sms.endpoint });
  return new OutboxSmsTransport(config.sms.outboxDir);
}

@Module({
  imports: [TypeOrmModule.forFeature([OutboundEmail, EmailSuppression, EmailSender]), JobsModule, TenancyModule, AuditModule],
  controllers: [
    SesWebhookController,
    SmsWebhookController,
    SiteSmsSettingsController,
    OperatorOutboxController,
    ConsoleEmailSenderController,
  ],
  providers: [
    Mailer,
    BrandedAccountMail,
    EmailTemplates,
    EmailRenderer,
    EmailDelivery,
    SendEmailHandler,
    SuppressionList,
    EmailSenders,
    EmailBlueprintSection,
    BounceRecorder,
    EmailMetrics,
    SesFeedback,
    SnsVerifier,
    SmsConsents,
    TextMessages,
    SmsDelivery,
    SmsInbound,
    SmsSettingsPage,
    EmailSenderPage,
    { provide: SMS_TRANSPORT, inject: [AppConfig], useFactory: createSmsTransport },
    { provide: SNS_HTTP, useValue: fetchSnsHttp },
    { provide: EMAIL_TRANSPORT, inject: [AppConfig], useFactory: createEmailTransport },
    { provide: OutboxStore, inject: [AppConfig], useFactory: (config: AppConfig) => new OutboxStore(config.email.outboxDir) },
  ],
  exports: [Mailer, TextMessages, SmsConsents, BrandedAccountMail, EmailRenderer, SuppressionList, OutboxStore],
})
export class NotificationsModule implements OnModuleInit {
  constructor(
    private readonly views: ViewRenderer,
    private readonly sections: BlueprintSections,
    private readonly section: EmailBlueprintSection,
  ) {}

  onModuleInit(): void {
    this.views.registerViews('notifications', path.join(__dirname, 'views'));
    this.sections.register(this.section);
  }
}

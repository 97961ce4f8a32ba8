import { Module } from '@nestjs/common';
import { CasesModule } from '@consilium/cases';
import { JobsModule } from '@consilium/jobs';
import { NotificationsModule } from '@consilium/notifications';
import { WebhookDeliverHandler } from './webhook-deliver.handler';
import { WebhookDispatch } from './webhook-dispatch';
import { WebhookEndpoints } from './webhook-endpoints.service';
import { WebhookTargets } from './webhook-targets';

/**
 * Outbound webhooks without the HTTP surface: every process that records case events (the platform, the worker)
 * turns them into deliveries, and the process that runs jobs delivers them. The console pages are IntegrationsModule's.
 */
@Module({
  imports: [CasesModule, JobsModule, NotificationsModule],
  providers: [WebhookTargets, WebhookDispatch, WebhookDeliverHandler, WebhookEndpoints],
  exports: [WebhookEndpoints],
})
export class WebhooksModule {}

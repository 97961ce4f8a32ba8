import { Module } from '@nestjs/common';
import { AnalyticsModule } from '@consilium/analytics';
import { AuditModule } from '@consilium/audit';
import { CasesModule } from '@consilium/cases';
import { ErrorFormats, ViewRenderer } from '@consilium/core';
import { IdentityModule } from '@consilium/identity';
import { IntakeModule } from '@consilium/intake';
import { JobsModule } from '@consilium/jobs';
import { OpinionsModule } from '@consilium/opinions';
import { RosterModule } from '@consilium/roster';
import path from 'node:path';
import { ApiCases } from './api/api-cases.service';
import { NoStore } from './api/api-controller.decorator';
import { ApiConversions } from './api/api-conversions.service';
import { ApiAnalyticsController } from './api/http/api-analytics.controller';
import { ApiCasesController } from './api/http/api-cases.controller';
import { ApiConversionsController } from './api/http/api-conversions.controller';
import { ApiOpinionsController } from './api/http/api-opinions.controller';
import { ApiRecordRequestsController } from './api/http/api-record-requests.controller';
import { OAuthTokenController } from './api/http/oauth-token.controller';
import { oauthErrorFormat } from './api/oauth-error-format';
import { ApiFhirController } from './fhir/http/api-fhir.controller';
import { fhirErrorFormat } from './fhir/fhir-error-format';
import { FhirExport } from './fhir/fhir-export.service';
import { ApiDocsController } from './openapi/api-docs.controller';
import { ApiDocument } from './openapi/api-document.service';
import { ConsoleWebhooksController, WebhooksPage } from './webhooks/http/console-webhooks.controller';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * The hospital's systems' way in and out: the /api/v1 resources (API keys and OAuth client credentials), their
 * OpenAPI document and its page, outbound webhooks, and FHIR R4. Other domains are reached through their services.
 */
@Module({
  imports: [
    AnalyticsModule,
    AuditModule,
    CasesModule,
    IdentityModule,
    IntakeModule,
    JobsModule,
    OpinionsModule,
    RosterModule,
    WebhooksModule,
  ],
  controllers: [
    OAuthTokenController,
    ApiCasesController,
    ApiOpinionsController,
    ApiConversionsController,
    ApiRecordRequestsController,
    ApiAnalyticsController,
    ApiFhirController,
    ApiDocsController,
    ConsoleWebhooksController,
  ],
  providers: [ApiCases, ApiConversions, FhirExport, ApiDocument, NoStore, WebhooksPage],
})
export class IntegrationsModule {
  constructor(views: ViewRenderer, formats: ErrorFormats) {
    views.registerViews('integrations', path.join(__dirname, 'views'));
    formats.register('/api/v1/oauth/', oauthErrorFormat);
    formats.register('/api/v1/fhir/', fhirErrorFormat);
  }
}

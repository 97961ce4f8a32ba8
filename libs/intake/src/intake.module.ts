import { Module } from '@nestjs/common';
import { FundingProgramsModule } from '@consilium/billing';
import { CasesModule } from '@consilium/cases';
import { CatalogModule } from '@consilium/catalog';
import { Translator, ViewRenderer } from '@consilium/core';
import { MarketingModule } from '@consilium/marketing';
import { RosterModule } from '@consilium/roster';
import path from 'node:path';
import { IntakeChoiceCookie } from './http/choice-cookie';
import { IntakeDraftController } from './http/intake-draft.controller';
import { IntakeStartController } from './http/intake-start.controller';
import { PortalCasePage } from './http/portal-case.page';
import { PortalPatientController, PortalPatientPage } from './http/portal-patient.controller';
import { PatientDetails } from './patient-details.service';
import { CaseFollowing } from './case-following.service';
import { PortalFollowingController } from './http/portal-following.controller';
import { PortalRecordRequestsController, RecordRequestPage } from './http/portal-record-requests.controller';
import { PortalController } from './http/portal.controller';
import { ChoiceStep } from './http/steps/choice-step';
import { ConsentsStep } from './http/steps/consents-step';
import { DetailsStep } from './http/steps/details-step';
import { LocalPhysicianStep } from './http/steps/physician-step';
import { ReviewStep } from './http/steps/review-step';
import { RecordRequests } from './record-requests.service';
import { CONSENT_CATALOGS } from './wizard/consent-documents';
import { IntakeDrafts } from './wizard/intake-drafts.service';
import { IntakePlanner } from './wizard/intake-planner';

/**
 * The patient's side of a case: the intake wizard at /start (plan, draft, consents, quote, hand-over to billing
 * through CasePayments, which the app binds) and the portal at /account. Each step's page has its presenter.
 */
@Module({
  imports: [CasesModule, CatalogModule, RosterModule, FundingProgramsModule, MarketingModule],
  controllers: [
    IntakeStartController,
    IntakeDraftController,
    PortalController,
    PortalRecordRequestsController,
    PortalPatientController,
    PortalFollowingController,
  ],
  providers: [
    RecordRequests,
    IntakePlanner,
    IntakeDrafts,
    IntakeChoiceCookie,
    ChoiceStep,
    DetailsStep,
    LocalPhysicianStep,
    ConsentsStep,
    ReviewStep,
    PortalCasePage,
    PortalPatientPage,
    PatientDetails,
    CaseFollowing,
    RecordRequestPage,
  ],
  exports: [RecordRequests, IntakePlanner, IntakeDrafts],
})
export class IntakeModule {
  constructor(views: ViewRenderer, translator: Translator) {
    views.registerViews('intake', path.join(__dirname, 'views'));
    translator.register('consents', CONSENT_CATALOGS);
  }
}

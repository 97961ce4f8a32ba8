import { Foundation1764201600000 } from './1764201600000-foundation';
import { IdentityAndAudit1764250000000 } from './1764250000000-identity-and-audit';
import { Records1764320000000 } from './1764320000000-records';
import { Cases1764330000000 } from './1764330000000-cases';
import { CaseMessages1764331000000 } from './1764331000000-case-messages';
import { RecordRequests1764332000000 } from './1764332000000-record-requests';
import { Opinions1764333000000 } from './1764333000000-opinions';
import { AfterDelivery1764334000000 } from './1764334000000-after-delivery';
import { Payments1764340000000 } from './1764340000000-payments';
import { Sites1764350000000 } from './1764350000000-sites';
import { Jobs1764360000000 } from './1764360000000-jobs';
import { Email1764360000001 } from './1764360000001-email';
import { Intake1764365000000 } from './1764365000000-intake';
import { FundingAccess1764366000000 } from './1764366000000-funding-access';
import { PaidExtras1764367000000 } from './1764367000000-paid-extras';
import { ReconciliationRuns1764368000000 } from './1764368000000-reconciliation-runs';
import { RecordsBelongToCases1764370000000 } from './1764370000000-records-belong-to-cases';
import { AssignmentAndStipends1764380000000 } from './1764380000000-assignment-and-stipends';
import { Analytics1764390000000 } from './1764390000000-analytics';
import { AnalyticsFilteredSlices1764400000000 } from './1764400000000-analytics-filtered-slices';
import { AnalyticsCoveringHistograms1764410000000 } from './1764410000000-analytics-covering-histograms';
import { UploadsStagedInStorage1764420000000 } from './1764420000000-uploads-staged-in-storage';
import { OperatorSignInLinks1764430000000 } from './1764430000000-operator-sign-in-links';
import { PgBoss121764440000000 } from './1764440000000-pg-boss-12';
import { RateLimits1764450000000 } from './1764450000000-rate-limits';
import { SignInLimitsAndPendingSignUps1764460000000 } from './1764460000000-sign-in-limits-and-pending-sign-ups';
import { EmailLocalesAsData1764470000000 } from './1764470000000-email-locales-as-data';
import { RecordRejectionValues1764490000000 } from './1764490000000-record-rejection-values';
import { UniqueCasePrefixes1764500000000 } from './1764500000000-unique-case-prefixes';
import { BlueprintApplies1764510000000 } from './1764510000000-blueprint-applies';
import { ComingSoon1764520000000 } from './1764520000000-coming-soon';
import { ApiClients1764530000000 } from './1764530000000-api-clients';
import { CasesForIntegrations1764530000001 } from './1764530000001-cases-for-integrations';
import { Webhooks1764530000002 } from './1764530000002-webhooks';
import { OpinionTranslations1764540000000 } from './1764540000000-opinion-translations';
import { StaffSingleSignOn1764550000000 } from './1764550000000-staff-single-sign-on';
import { CasePromises1764560000000 } from './1764560000000-case-promises';
import { CaseMilestones1764560000001 } from './1764560000001-case-milestones';
import { Sms1764560000002 } from './1764560000002-sms';
import { RenewableHolds1764570000000 } from './1764570000000-renewable-holds';
import { UploadSenderDigest1764570000001 } from './1764570000001-upload-sender-digest';
import { FundingCredits1764580000000 } from './1764580000000-funding-credits';
import { WhoTheRequestIsFor1764630000000 } from './1764630000000-who-the-request-is-for';
import { CaseFollowers1764630000001 } from './1764630000001-case-followers';
import { CoordinatorWorkbench1764640000000 } from './1764640000000-coordinator-workbench';
import { ConsoleEmailSender1764660000000 } from './1764660000000-console-email-sender';
import { OpinionQualityCheck1764610000000 } from './1764610000000-opinion-quality-check';
import { VideoConsults1764620000000 } from './1764620000000-video-consults';
import { ReferralsAndRoi1764650000000 } from './1764650000000-referrals-and-roi';

/** Every migration, oldest first. Listed as classes so Jest, the CLI and the apps share one list. */
export const allMigrations = [
  Foundation1764201600000,
  IdentityAndAudit1764250000000,
  Records1764320000000,
  Cases1764330000000,
  CaseMessages1764331000000,
  RecordRequests1764332000000,
  Opinions1764333000000,
  AfterDelivery1764334000000,
  Payments1764340000000,
  Sites1764350000000,
  Jobs1764360000000,
  Email1764360000001,
  Intake1764365000000,
  FundingAccess1764366000000,
  PaidExtras1764367000000,
  ReconciliationRuns1764368000000,
  RecordsBelongToCases1764370000000,
  AssignmentAndStipends1764380000000,
  Analytics1764390000000,
  AnalyticsFilteredSlices1764400000000,
  AnalyticsCoveringHistograms1764410000000,
  UploadsStagedInStorage1764420000000,
  OperatorSignInLinks1764430000000,
  PgBoss121764440000000,
  RateLimits1764450000000,
  SignInLimitsAndPendingSignUps1764460000000,
  EmailLocalesAsData1764470000000,
  RecordRejectionValues1764490000000,
  UniqueCasePrefixes1764500000000,
  BlueprintApplies1764510000000,
  ComingSoon1764520000000,
  ApiClients1764530000000,
  CasesForIntegrations1764530000001,
  Webhooks1764530000002,
  OpinionTranslations1764540000000,
  StaffSingleSignOn1764550000000,
  CasePromises1764560000000,
  CaseMilestones1764560000001,
  Sms1764560000002,
  RenewableHolds1764570000000,
  UploadSenderDigest1764570000001,
  FundingCredits1764580000000,
  WhoTheRequestIsFor1764630000000,
  CaseFollowers1764630000001,
  CoordinatorWorkbench1764640000000,
  ConsoleEmailSender1764660000000,
  OpinionQualityCheck1764610000000,
  VideoConsults1764620000000,
  ReferralsAndRoi1764650000000,
];

import { CatalogModule } from '@consilium/catalog';
import { StaffIntakeAnswers } from './intake-answers';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobsModule } from '@consilium/jobs';
import { NotificationsModule } from '@consilium/notifications';
import { RosterConsoleModule, RosterModule } from '@consilium/roster';
import { TenancyModule } from '@consilium/tenancy';
import { AssignmentDeadlineHandler, AssignmentDeadlines } from './assignment/assignment-deadlines.service';
import { CaseAssignments } from './assignment/case-assignments.service';
import { CaseContributors } from './assignment/case-contributors.service';
import { CaseNotices } from './case-notices';
import { LocalPhysicianInvitations } from './local-physician-invitations.service';
import { ViewRenderer } from '@consilium/core';
import path from 'node:path';
import { CaseQueue } from './case-queue.service';
import { CaseReview } from './case-review.service';
import { CheckIns } from './check-ins.service';
import { Conversions } from './conversions.service';
import { FollowUps } from './follow-ups.service';
import { ConsoleCasePage } from './http/case-page';
import { QueuePage } from './http/queue-page';
import { QueueBulk } from './queue/queue-bulk.service';
import { QueueCounts } from './queue/queue-counts.service';
import { QueuePages } from './queue/queue-pages.service';
import { SavedFilters } from './queue/saved-filters.service';
import { ConsoleCasesController } from './http/console-cases.controller';
import { ConsoleConversionsController } from './http/console-conversions.controller';
import { Case } from './case.entity';
import { CaseAccess } from './case-access';
import { CaseConsents } from './case-consents.service';
import { CaseSubjects } from './case-subjects.service';
import { CaseFollowers } from './case-followers.service';
import { CaseEventObservers } from './case-event-observers';
import { CaseFeed } from './case-feed.service';
import { CaseMessages } from './case-messages.service';
import { CaseRecordAccess } from './case-record-access';
import { CaseRecords } from './case-records.service';
import { CasePipeline } from './case-pipeline.service';
import { CaseTimeline } from './case-timeline.service';
import { CasePromises } from './promise/case-promises.service';
import { CaseMilestones } from './milestones/case-milestones';
import { CheckInsDue, CheckInDueHandler } from './milestones/check-ins-due';
import { LatePromises, PromiseDueHandler } from './promise/late-promises.service';

import { ConsoleReferralsController, ReferralsPage } from './http/console-referrals.controller';
import { AppointmentPage, PortalAppointmentController } from './http/portal-appointment.controller';
import { Referrals } from './referrals.service';
@Module({
  imports: [
    TypeOrmModule.forFeature([Case]),
    CatalogModule,
    JobsModule,
    NotificationsModule,
    RosterModule,
    RosterConsoleModule,
    TenancyModule,
  ],
  controllers: [ConsoleCasesController, ConsoleConversionsController, ConsoleReferralsController, PortalAppointmentController],
  providers: [
    Referrals,
    ReferralsPage,
    AppointmentPage,
    AssignmentDeadlineHandler,
    AssignmentDeadlines,
    CaseAssignments,
    CaseContributors,
    CaseNotices,
    LocalPhysicianInvitations,
    CaseAccess,
    CaseConsents,
    CaseSubjects,
    CaseFollowers,
    CaseEventObservers,
    CaseFeed,
    CaseRecordAccess,
    CaseRecords,
    StaffIntakeAnswers,
    CaseMessages,
    CaseMilestones,
    CasePipeline,
    CasePromises,
    CaseQueue,
    CaseReview,
    CaseTimeline,
    CheckIns,
    CheckInsDue,
    CheckInDueHandler,
    ConsoleCasePage,
    QueuePages,
    QueuePage,
    QueueBulk,
    QueueCounts,
    SavedFilters,
    LatePromises,
    PromiseDueHandler,
    Conversions,
    FollowUps,
  ],
  exports: [
    Referrals,
    StaffIntakeAnswers,
    AssignmentDeadlines,
    CaseAssignments,
    CaseContributors,
    CaseNotices,
    LocalPhysicianInvitations,
    CaseAccess,
    CaseConsents,
    CaseSubjects,
    CaseFollowers,
    CaseEventObservers,
    CaseFeed,
    CaseRecordAccess,
    CaseRecords,
    CaseMessages,
    CaseMilestones,
    CasePipeline,
    CasePromises,
    CaseQueue,
    QueuePages,
    CaseReview,
    CaseTimeline,
    CheckIns,
    CheckInsDue,
    Conversions,
    LatePromises,
    FollowUps,
  ],
})
export class CasesModule {
  constructor(views: ViewRenderer) {
    views.registerViews('cases', path.join(__dirname, 'views'));
  }
}

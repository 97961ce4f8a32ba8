import { Module } from '@nestjs/common';
import { AuditModule } from '@consilium/audit';
import { PaymentsModule } from '@consilium/billing';
import { CasesModule } from '@consilium/cases';
import { AppConfig, ViewRenderer } from '@consilium/core';
import { JobsModule } from '@consilium/jobs';
import { NotificationsModule } from '@consilium/notifications';
import { TenancyModule } from '@consilium/tenancy';
import path from 'node:path';
import { ConsultBookings } from './consult-bookings.service';
import { ConsultInvitations } from './consult-invitations';
import { ConsultRoom, VIDEO_ROOMS } from './consult-room.service';
import { ConsultSlots } from './consult-slots.service';
import { ConsoleConsultController, PortalConsultController } from './http/consult.controllers';
import { ConsoleSlotsPage, ConsultPage } from './http/consult-pages';
import { ConsultReminderHandler, ConsultReminders } from './jobs/consult-reminders';
import { ChimeVideoRooms, DemoVideoRooms, VideoRooms } from './video-rooms';

/** The provider configuration chooses (VIDEO_PROVIDER, CHIME_REGION), never code. */
export function createVideoRooms(config: AppConfig): VideoRooms {
  const { provider, region, mediaRegion, endpoint } = config.video;
  return provider === 'chime' ? new ChimeVideoRooms({ region: region!, mediaRegion, endpoint }) : new DemoVideoRooms();
}

const SERVICES = [ConsultSlots, ConsultBookings, ConsultInvitations, ConsultRoom, ConsultReminders];

/** Video consults: services and the reminder job (the worker imports this); pages in ConsultsHttpModule. */
@Module({
  imports: [CasesModule, PaymentsModule, JobsModule, NotificationsModule, TenancyModule],
  providers: [...SERVICES, ConsultReminderHandler, { provide: VIDEO_ROOMS, inject: [AppConfig], useFactory: createVideoRooms }],
  exports: SERVICES,
})
export class ConsultsModule {}

@Module({
  imports: [ConsultsModule, AuditModule, CasesModule, TenancyModule],
  controllers: [PortalConsultController, ConsoleConsultController],
  providers: [ConsultPage, ConsoleSlotsPage],
})
export class ConsultsHttpModule {
  constructor(views: ViewRenderer) {
    views.registerViews('consults', path.join(__dirname, 'views'));
  }
}

export * from './consult-bookings.service';
export * from './consult-invitations';
export * from './consult-room.service';
export * from './consult-slots.service';
export * from './consults.module';
export * from './jobs/consult-reminder.job';
export * from './jobs/consult-reminders';
export * from './video-rooms';

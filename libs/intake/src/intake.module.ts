import { Module } from '@nestjs/common';
import { CasesModule } from '@consilium/cases';
import { ViewRenderer } from '@consilium/core';
import path from 'node:path';
import { PortalRecordRequestsController } from './http/portal-record-requests.controller';
import { PortalController } from './http/portal.controller';
import { RecordRequests } from './record-requests.service';

@Module({
  imports: [CasesModule],
  controllers: [PortalController, PortalRecordRequestsController],
  providers: [RecordRequests],
  exports: [RecordRequests],
})
export class IntakeModule {
  constructor(views: ViewRenderer) {
    views.registerViews('intake', path.join(__dirname, 'views'));
  }
}

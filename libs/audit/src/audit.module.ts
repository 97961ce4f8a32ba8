import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ViewRenderer } from '@consilium/core';
import { OperatorDataModule } from '@consilium/core/operator-data';
import path from 'node:path';
import { AuditLog } from './audit-log.service';
import { AuditQuery } from './audit-query.service';
import { AuditInterceptor } from './audited';
import { AuditPage } from './http/audit-page';
import { ConsoleAuditController } from './http/console-audit.controller';

@Module({
  imports: [OperatorDataModule],
  controllers: [ConsoleAuditController],
  providers: [AuditLog, AuditQuery, AuditPage, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
  exports: [AuditLog, AuditQuery],
})
export class AuditModule {
  constructor(views: ViewRenderer) {
    views.registerViews('audit', path.join(__dirname, 'views'));
  }
}

import { Module } from '@nestjs/common';
import { CasesModule } from '@consilium/cases';
import { ViewRenderer } from '@consilium/core';
import path from 'node:path';
import { PortalController } from './http/portal.controller';

@Module({
  imports: [CasesModule],
  controllers: [PortalController],
})
export class IntakeModule {
  constructor(views: ViewRenderer) {
    views.registerViews('intake', path.join(__dirname, 'views'));
  }
}

import { Module } from '@nestjs/common';
import { ViewRenderer } from '@consilium/core';
import { RosterModule } from '@consilium/roster';
import path from 'node:path';
import { ConsoleStipendsController } from './http/console-stipends.controller';
import { StipendLedger } from './stipend-ledger.service';

/** Physician stipends: the ledger delivery accrues into, and the admin's monthly payout report. */
@Module({
  imports: [RosterModule],
  controllers: [ConsoleStipendsController],
  providers: [StipendLedger],
  exports: [StipendLedger],
})
export class StipendsModule {
  constructor(views: ViewRenderer) {
    views.registerViews('stipends', path.join(__dirname, 'views'));
  }
}

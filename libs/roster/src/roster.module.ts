import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ViewRenderer } from '@consilium/core';
import { CatalogModule } from '@consilium/catalog';
import { BlueprintSections, TenancyModule } from '@consilium/tenancy';
import path from 'node:path';
import { ConsoleRosterController } from './http/console-roster.controller';
import { PhysicianLicense } from './physician-license.entity';
import { PhysicianSpecialty } from './physician-specialty.entity';
import { Physician } from './physician.entity';
import { PhysiciansService } from './physicians.service';
import { RosterBlueprintSection } from './roster-blueprint.section';
import { RosterPresenter } from './roster-presenter';
import { RosterReader } from './roster-reader';
import { PhysicianAccounts } from './physician-accounts.service';
import { StipendRates } from './stipend-rates.service';
import { ConsolePhysiciansController, PhysiciansPage } from './http/console-physicians.controller';
import { PhysicianPage } from './http/physician-page';

const SERVICES = [PhysiciansService, RosterReader, RosterPresenter, StipendRates, PhysicianAccounts];

/** Physicians: profiles, specialties, licenses, whether they take new cases, capacity and stipend. */
@Module({
  imports: [TypeOrmModule.forFeature([Physician, PhysicianSpecialty, PhysicianLicense]), TenancyModule, CatalogModule],
  providers: [...SERVICES, RosterBlueprintSection],
  exports: SERVICES,
})
export class RosterModule implements OnModuleInit {
  constructor(
    private readonly sections: BlueprintSections,
    private readonly section: RosterBlueprintSection,
    private readonly views: ViewRenderer,
  ) {}

  onModuleInit(): void {
    this.sections.register(this.section);
    // Templates, partials and words (views/i18n) under `roster`.
    this.views.registerViews('roster', path.join(__dirname, 'views'));
  }
}

/**
 * The admin's roster pages (/console/physicians, /console/roster). Apart from RosterModule, which the public site uses
 * too: console routes are mounted only with the domain libs, where identity's access guard enforces their actions.
 */
@Module({
  imports: [RosterModule, CatalogModule, TenancyModule],
  controllers: [ConsolePhysiciansController, ConsoleRosterController],
  providers: [PhysicianPage, PhysiciansPage],
})
export class RosterConsoleModule {}

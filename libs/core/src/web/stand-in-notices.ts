import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { RequestContext } from '../context/request-context';
import { ViewRenderer } from './view-renderer';

/**
 * A deliberate stand-in (demo payments, the local outbox, records on this server's disk) is said on every console
 * page, to staff and operators only: the console and operator layouts show `standIns`, one catalog key per line.
 */
@Injectable()
export class StandInNotices implements OnModuleInit {
  constructor(
    private readonly views: ViewRenderer,
    private readonly config: AppConfig,
    private readonly context: RequestContext,
  ) {}

  onModuleInit(): void {
    const keys = this.config.standIns.map((name) => `core.standIns.${name}`);
    if (!keys.length) return;
    this.views.addLayoutData(() => {
      const kind = this.context.actor()?.kind;
      return { standIns: kind === 'staff' || kind === 'operator' ? keys : undefined };
    });
  }
}

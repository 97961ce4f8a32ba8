import { Injectable } from '@nestjs/common';
import { FormPresenter, TenantDatabase } from '@consilium/core';
import { RevenueReports } from '../revenue-reports.service';

/** Statuses whose captured money can still be refunded (in part). */
const REFUNDABLE = new Set(['captured', 'partially_refunded', 'disputed']);

/** The revenue console: monthly totals, the latest payments and the refund form. */
@Injectable()
export class RevenuePage implements FormPresenter {
  constructor(
    private readonly reports: RevenueReports,
    private readonly db: TenantDatabase,
  ) {}

  async show(): Promise<Record<string, unknown>> {
    const { lines, months } = await this.db.transaction(async (tx) => ({
      lines: await this.reports.lines(tx, { limit: 200 }),
      months: await this.reports.monthly(tx),
    }));
    return { lines: lines.map((l) => ({ ...l, refundable: REFUNDABLE.has(l.status) })), months };
  }

  refused(): Promise<Record<string, unknown>> {
    return this.show();
  }
}

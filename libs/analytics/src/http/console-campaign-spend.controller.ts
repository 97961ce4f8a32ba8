import { Body, Controller, Get, Injectable, Post, Query, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  Can,
  field,
  Form,
  FormBody,
  FormPresenter,
  formatMoney,
  Layout,
  Page,
  parseForm,
  redirect,
  Redirect,
  RefusedForm,
  RequestContext,
  StaffOnly,
  Translator,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { CampaignSpend } from '../campaign-spend';

const SPEND = 'analytics/campaign-spend';
const spendForm = z.object({
  campaign: field.text({ optional: true, max: 400 }),
  month: field.text({ optional: true, max: 20 }),
  amount: field.text({ optional: true, max: 40 }),
});
const importForm = z.object({ csv: field.text({ optional: true, max: 2_000_000 }) });

/** The spend page's model: what was entered, the campaigns analytics has seen, the forms. */
@Injectable()
export class CampaignSpendPage implements FormPresenter {
  constructor(
    private readonly spend: CampaignSpend,
    private readonly context: RequestContext,
  ) {}

  async model(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const locale = this.context.locale();
    const rows = await this.spend.list();
    return {
      currency: tenant.currency,
      rows: rows.map((r) => ({ ...r, amount: formatMoney(r.amountMinor, tenant.currency, locale) })),
      values: {},
      ...extra,
    };
  }

  refused({ values }: RefusedForm): Promise<Record<string, unknown>> {
    return this.model({ values });
  }
}

/** Admins tell analytics what each campaign cost, month by month: typed in, or imported as CSV. */
@Controller('console/analytics/spend')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleCampaignSpendController {
  constructor(
    private readonly spend: CampaignSpend,
    private readonly page: CampaignSpendPage,
    private readonly translator: Translator,
    private readonly context: RequestContext,
  ) {}

  @Can('analytics.read')
  @Get()
  @Page(SPEND, { title: 'analytics.spend.title' })
  show(@Query('saved') saved?: string) {
    return this.page.model({ saved: saved === '1' });
  }

  @Can('analytics.read')
  @Audited({ action: 'analytics.spend', entityType: 'campaign_spend' })
  @Post()
  @Form(SPEND, { presenter: CampaignSpendPage, title: 'analytics.spend.title' })
  async enter(@Body() body: FormBody): Promise<Redirect> {
    const form = parseForm(spendForm, body);
    await this.spend.enter({ campaign: form.campaign, month: form.month, amount: form.amount });
    return redirect('/console/analytics/spend?saved=1');
  }

  /** The import's report: every refused cell with its line and column (and nothing imported then, answered 400). */
  @Can('analytics.read')
  @Audited({ action: 'analytics.spend_import', entityType: 'campaign_spend' })
  @Post('import')
  @Page(SPEND, { title: 'analytics.spend.title' })
  async import(@Body() body: FormBody, @Res({ passthrough: true }) reply: FastifyReply) {
    const { csv } = parseForm(importForm, body);
    const report = await this.spend.importCsv(csv);
    if (report.errors.length) reply.status(400);
    const locale = this.context.locale();
    const errors = report.errors.map((e) => ({
      text: this.translator.t('analytics.spend.errorAt', locale, {
        line: e.line,
        column: e.column,
        message: this.translator.message(e.message, locale),
      }),
    }));
    return this.page.model({ report: { imported: report.imported, errors }, csv });
  }
}

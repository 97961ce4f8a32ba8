import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, fieldTexts, InvalidInput, readForm, RequestContext, TenantDatabase, ViewRenderer } from '@consilium/core';
import { localize, ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { FundingProgramsService } from '../../funding-programs/funding-programs.service';
import { FundingBudgets } from '../funding/funding-budgets.service';
import { FundingClaims } from '../funding/funding-claims.service';

const codeForm = z.object({
  program: z.uuid('Choose the program the code is for.'),
  label: z.string().trim().min(1, 'Say who the code is for, e.g. “Acme Corp employees 2027”.').max(200),
  code: z.string().trim().max(60).optional().default(''),
  max_uses: z
    .string()
    .trim()
    .regex(/^(\d{1,7})?$/, 'Enter a whole number of uses, or leave it empty for no limit.')
    .optional()
    .default(''),
  expires_on: z
    .union([z.iso.date('Enter a date like 2027-12-31.'), z.literal('')])
    .optional()
    .default(''),
});

const reviewForm = z.object({ decision: z.enum(['confirmed', 'rejected'], { error: 'Choose confirm or reject.' }) });

/**
 * Funding for the hospital's staff: each program's budget (admins), the codes sponsors hand out (admins: created
 * here, shown once, stored only as a hash), and the eligibility reviews coordinators do before accepting a case.
 */
@Controller('console/funding')
@TenantSite()
export class ConsoleFundingController {
  constructor(
    private readonly budgets: FundingBudgets,
    private readonly programs: FundingProgramsService,
    private readonly claims: FundingClaims,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly views: ViewRenderer,
  ) {}

  @Can('billing.read')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async page(): Promise<string> {
    return this.render({});
  }

  @Can('funding.manage')
  @Audited({ action: 'funding.code_create', entityType: 'funding_program' })
  @Post('codes')
  @HttpCode(200)
  async createCode(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    const form = readForm(codeForm, body);
    let errors = form.ok ? {} : form.errors;
    if (form.ok) {
      try {
        const d = form.data;
        const created = await this.db.transaction((tx) =>
          this.claims.createCode(
            tx,
            this.context.tenant().id,
            {
              programId: d.program,
              label: d.label,
              code: d.code || undefined,
              maxUses: d.max_uses ? Number(d.max_uses) : undefined,
              expiresOn: d.expires_on || undefined,
            },
            this.context.actor()!.id,
          ),
        );
        // The only time the code is shown: it is stored as a hash.
        return this.render({ created: { code: created.code, label: d.label } });
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        errors = fieldTexts(error);
      }
    }
    reply.status(400);
    const values = { ...(body as Record<string, string>) };
    return this.render({ values, errors });
  }

  @Can('funding.manage')
  @Audited({ action: 'funding.code_revoke', entityType: 'funding_code', param: 'id' })
  @Post('codes/:id/revoke')
  @HttpCode(200)
  async revoke(@Param('id', ParseUUIDPipe) id: string, @Res() reply: FastifyReply): Promise<void> {
    await this.db.transaction((tx) => this.claims.revokeCode(tx, id));
    void reply.redirect('/console/funding?revoked=1#codes', 303);
  }

  @Can('funding.review')
  @Get('reviews')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async reviews(): Promise<string> {
    return this.renderReviews({});
  }

  @Can('funding.review')
  @Audited({ action: 'funding.review', entityType: 'case', param: 'caseId' })
  @Post('reviews/:caseId')
  @HttpCode(200)
  async review(
    @Param('caseId', ParseUUIDPipe) caseId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    const form = readForm(reviewForm, body);
    let errors = form.ok ? {} : form.errors;
    if (form.ok) {
      try {
        await this.db.transaction((tx) => this.claims.review(tx, caseId, form.data.decision, this.context.actor()!.id));
        return void reply.redirect(`/console/funding/reviews?${form.data.decision}=1`, 303);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        errors = fieldTexts(error);
      }
    }
    reply.status(400).header('content-type', 'text/html; charset=utf-8');
    return this.renderReviews({ errors });
  }

  private async render(data: Record<string, unknown>): Promise<string> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const locale = this.context.locale();
    const { report, programs, codes } = await this.db.transaction(async (tx) => ({
      report: await this.budgets.report(tx),
      programs: await this.programs.list(tx, tenant.id),
      codes: await this.claims.listCodes(tx),
    }));
    const nameOf = new Map(programs.map((p) => [p.id, localize(p.name, locale, tenant.defaultLocale) ?? p.slug]));
    const codePrograms = programs.filter((p) => p.access === 'code').map((p) => ({ id: p.id, name: nameOf.get(p.id) }));
    return this.views.render(
      'payments/funding',
      {
        title: 'Funding',
        programs: report.map((r) => ({
          ...r,
          name: nameOf.get(r.programId) ?? r.programId,
          review: programs.find((p) => p.id === r.programId)?.reviewRequired,
        })),
        codePrograms,
        codes: codes.map((c) => ({ ...c, program: nameOf.get(c.programId), active: !c.revokedAt })),
        values: {},
        errors: {},
        ...data,
      },
      { layout: 'console' },
    );
  }

  private async renderReviews(data: Record<string, unknown>): Promise<string> {
    const locale = this.context.locale();
    const claims = await this.db.transaction((tx) => this.claims.toReview(tx));
    return this.views.render(
      'payments/funding-reviews',
      {
        title: 'Funding reviews',
        claims: claims.map((c) => ({ ...c, program: localize(c.programName as never, locale) })),
        errors: {},
        ...data,
      },
      { layout: 'console' },
    );
  }
}

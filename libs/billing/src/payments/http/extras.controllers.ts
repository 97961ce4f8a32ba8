import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, InvalidInput, RequestContext, TenantDatabase, ViewRenderer } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { CaseExtras } from '../extras/case-extras.service';

/** The patient's extras after delivery: what they bought, and what they can buy now. */
@Controller('account/cases/:id/extras')
@TenantSite()
export class PortalExtrasController {
  constructor(
    private readonly extras: CaseExtras,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
  ) {}

  @Can('portal.access')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async page(@Param('id', ParseUUIDPipe) id: string): Promise<string> {
    return this.render(id, {});
  }

  @Can('portal.access')
  @Audited({ action: 'case.extra_buy', entityType: 'case', param: 'id' })
  @Post()
  @HttpCode(200)
  async buy(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      return void reply.redirect(await this.extras.buy(id, body.kind ?? ''), 303);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.render(id, { errors: error.fields });
    }
  }

  private async render(id: string, data: Record<string, unknown>): Promise<string> {
    const { c, extras, offers } = await this.extras.forCase(id);
    const isPatient = this.context.actor()?.kind === 'patient';
    return this.views.render('payments/extras', {
      title: 'Extras',
      c: { id: c.id, number: c.number },
      extras: extras
        .filter((e) => e.status !== 'awaiting_payment')
        .map((e) => ({ ...e, kindKey: `payments.extras.kind.${e.kind}`, statusKey: `payments.extras.status.${e.status}` })),
      offers: isPatient
        ? offers.map((o) => ({ ...o, kindKey: `payments.extras.kind.${o.kind}`, whyKey: `payments.extras.why.${o.kind}` }))
        : [],
      timeZone: this.context.tenant<ResolvedTenant>().timeZone,
      ...data,
    });
  }
}

/** Paid video consults for the care team to schedule, then mark done. */
@Controller('console/extras')
@TenantSite()
export class ConsoleExtrasController {
  constructor(
    private readonly extras: CaseExtras,
    private readonly db: TenantDatabase,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
  ) {}

  @Can('cases.triage')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async page(): Promise<string> {
    return this.render({});
  }

  @Can('cases.triage')
  @Audited({ action: 'case.extra_schedule', entityType: 'case_extra', param: 'extraId' })
  @Post(':extraId/schedule')
  @HttpCode(200)
  async schedule(
    @Param('extraId', ParseUUIDPipe) extraId: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    const at = localTime(body.scheduled_for ?? '', this.context.tenant<ResolvedTenant>().timeZone);
    try {
      if (!at) throw new InvalidInput({ scheduled_for: 'Enter a date and time like 2027-01-15 14:30.' });
      await this.db.transaction((tx) => this.extras.schedule(tx, extraId, at));
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.render({ errors: error.fields });
    }
    void reply.redirect('/console/extras?scheduled=1', 303);
  }

  @Can('cases.triage')
  @Audited({ action: 'case.extra_done', entityType: 'case_extra', param: 'extraId' })
  @Post(':extraId/done')
  @HttpCode(200)
  async done(@Param('extraId', ParseUUIDPipe) extraId: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    try {
      await this.db.transaction((tx) => this.extras.markDone(tx, extraId));
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.render({ errors: error.fields });
    }
    void reply.redirect('/console/extras', 303);
  }

  private async render(data: Record<string, unknown>): Promise<string> {
    const consults = await this.db.transaction((tx) => this.extras.toSchedule(tx));
    return this.views.render('payments/console-extras', { title: 'Video consults', consults, errors: {}, ...data }, { layout: 'console' });
  }
}

/** `2027-01-15T14:30` typed in the hospital's time zone, as an instant; undefined when it is not such a value. */
export function localTime(value: string, timeZone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  if (Number.isNaN(asUtc) || new Date(asUtc).getUTCDate() !== d) return undefined;
  // The zone's offset at that moment: format the UTC guess there and correct by the difference (twice, for DST edges).
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      })
        .formatToParts(new Date(guess))
        .map((p) => [p.type, p.value]),
    );
    const shown = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
    guess += asUtc - shown;
  }
  return new Date(guess);
}

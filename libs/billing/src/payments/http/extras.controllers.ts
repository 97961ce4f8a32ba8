import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  Can,
  field,
  Form,
  FormBody,
  InvalidInput,
  Layout,
  msg,
  Page,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  StaffOnly,
  TenantDatabase,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { CaseExtras } from '../extras/case-extras.service';
import { ConsoleExtrasPage, PortalExtrasPage } from './extras-pages';

const buyForm = z.object({ kind: field.text({ max: 40, required: 'payments.extras.unavailable' }) });
const scheduleForm = z.object({ scheduled_for: field.text({ max: 40, required: 'payments.extras.timeFormat' }) });

/** The patient's extras after delivery: what they bought, and what they can buy now. */
@Controller('account/cases/:id/extras')
@TenantSite()
export class PortalExtrasController {
  constructor(
    private readonly extras: CaseExtras,
    private readonly page: PortalExtrasPage,
  ) {}

  @Can('portal.access')
  @Get()
  @Page('payments/extras', { title: 'payments.extras.title' })
  show(@Param('id', ParseUUIDPipe) id: string) {
    return this.page.show(id);
  }

  @Can('portal.access')
  @Audited({ action: 'case.extra_buy', entityType: 'case', param: 'id' })
  @Post()
  @Form('payments/extras', { presenter: PortalExtrasPage, title: 'payments.extras.title' })
  async buy(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    return redirect(await this.extras.buy(id, parseForm(buyForm, body).kind));
  }
}

/** Paid video consults for the care team to schedule, then mark done. */
@Controller('console/extras')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleExtrasController {
  constructor(
    private readonly extras: CaseExtras,
    private readonly page: ConsoleExtrasPage,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  @Can('cases.triage')
  @Get()
  @Page('payments/console-extras', { title: 'payments.extras.consoleTitle' })
  show() {
    return this.page.show();
  }

  @Can('cases.triage')
  @Audited({ action: 'case.extra_schedule', entityType: 'case_extra', param: 'extraId' })
  @Post(':extraId/schedule')
  @Form('payments/console-extras', { presenter: ConsoleExtrasPage, title: 'payments.extras.consoleTitle' })
  async schedule(@Param('extraId', ParseUUIDPipe) extraId: string, @Body() body: FormBody): Promise<Redirect> {
    const at = localTime(parseForm(scheduleForm, body).scheduled_for, this.context.tenant<ResolvedTenant>().timeZone);
    if (!at) throw new InvalidInput({ scheduled_for: msg('payments.extras.timeFormat') });
    await this.db.transaction((tx) => this.extras.schedule(tx, extraId, at));
    return redirect('/console/extras?scheduled=1');
  }

  @Can('cases.triage')
  @Audited({ action: 'case.extra_done', entityType: 'case_extra', param: 'extraId' })
  @Post(':extraId/done')
  @Form('payments/console-extras', { presenter: ConsoleExtrasPage, title: 'payments.extras.consoleTitle' })
  async done(@Param('extraId', ParseUUIDPipe) extraId: string): Promise<Redirect> {
    await this.db.transaction((tx) => this.extras.markDone(tx, extraId));
    return redirect('/console/extras');
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

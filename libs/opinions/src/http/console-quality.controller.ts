import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, field, Form, FormBody, Layout, Page, parseForm, redirect, Redirect, RequestContext, StaffOnly } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { OpinionDelivery } from '../opinion-delivery.service';
import { OpinionQualityChecks } from '../quality/opinion-quality-checks.service';
import { QUALITY_CHECKS } from '../quality/quality-settings';
import { QualityPage } from './quality-page';

const CHECK = 'opinions/quality-check';
const SETTINGS = 'opinions/quality-settings';
const commentForm = z.object({ comment: field.text({ optional: true, max: 20000 }) });
const noteForm = z.object({ internal_note: field.text({ optional: true, max: 5000 }) });
const settingsForm = z.object({ quality_check: field.choice(QUALITY_CHECKS) });

/** Quality before release: the reviewer's queue, approving or returning a signed version, and the admin's choice. */
@Controller('console/quality')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleQualityController {
  constructor(
    private readonly checks: OpinionQualityChecks,
    private readonly delivery: OpinionDelivery,
    private readonly page: QualityPage,
    private readonly context: RequestContext,
  ) {}

  @Can('opinions.check')
  @Get()
  @Page('opinions/quality', { title: 'opinions.quality.queue' })
  list(@Query('approved') approved?: string, @Query('returned') returned?: string) {
    return this.page.list({ approved: approved === '1', returned: returned === '1' });
  }

  @Can('opinions.configure')
  @Get('settings')
  @Page(SETTINGS, { title: 'opinions.quality.settingsTitle' })
  settings(@Query('saved') saved?: string) {
    return this.page.settings(saved === '1');
  }

  @Can('opinions.configure')
  @Audited({ action: 'opinion.quality_settings', entityType: 'tenant' })
  @Post('settings')
  @Form(SETTINGS, { presenter: QualityPage, title: 'opinions.quality.settingsTitle' })
  async configure(@Body() body: FormBody): Promise<Redirect> {
    await this.checks.configure(parseForm(settingsForm, body).quality_check);
    return redirect('/console/quality/settings?saved=1');
  }

  @Can('opinions.check')
  @Audited({ action: 'opinion.check_read', entityType: 'opinion', param: 'id' })
  @Get(':id')
  @Page(CHECK)
  show(@Param('id', ParseUUIDPipe) id: string) {
    return this.page.check(id);
  }

  @Can('opinions.check')
  @Audited({ action: 'opinion.check_approve', entityType: 'opinion', param: 'id' })
  @Post(':id/approve')
  @Form(CHECK, { presenter: QualityPage })
  async approve(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const { opinionId } = await this.checks.approve(id, parseForm(commentForm, body).comment);
    // Approved: now the letter is rendered and the opinion delivered (or the amendment announced), as on signing.
    await this.delivery.deliver(this.context.tenant<ResolvedTenant>(), opinionId);
    return redirect('/console/quality?approved=1');
  }

  @Can('opinions.check')
  @Audited({ action: 'case.internal_note', entityType: 'opinion', param: 'id' })
  @Post(':id/notes')
  @Form(CHECK, { presenter: QualityPage })
  async note(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.checks.addNote(id, parseForm(noteForm, body).internal_note);
    return redirect(`/console/quality/${id}#internal-notes`);
  }

  @Can('opinions.check')
  @Audited({ action: 'opinion.check_return', entityType: 'opinion', param: 'id' })
  @Post(':id/return')
  @Form(CHECK, { presenter: QualityPage })
  async returnIt(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.checks.returnWithComments(id, parseForm(commentForm, body).comment);
    return redirect('/console/quality?returned=1');
  }
}

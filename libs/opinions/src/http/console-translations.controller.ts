import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, Form, FormBody, Layout, Page, redirect, Redirect, RequestContext, StaffOnly } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { OpinionDelivery } from '../opinion-delivery.service';
import { OpinionTranslations } from '../translation/opinion-translations.service';
import { translationInput, TranslationsPage } from './translations-page';

const WORKSPACE = 'opinions/translation';

/** The translator's console: signed opinions waiting for their translation, reviewed and released from here. */
@Controller('console/translations')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleTranslationsController {
  constructor(
    private readonly translations: OpinionTranslations,
    private readonly delivery: OpinionDelivery,
    private readonly page: TranslationsPage,
    private readonly context: RequestContext,
  ) {}

  @Can('opinions.translate')
  @Get()
  @Page('opinions/translations', { title: 'opinions.translation.queue' })
  list() {
    return this.page.list();
  }

  @Can('opinions.translate')
  @Audited({ action: 'opinion.translation_read', entityType: 'opinion_translation', param: 'id' })
  @Get(':id')
  @Page(WORKSPACE)
  show(@Param('id', ParseUUIDPipe) id: string) {
    return this.page.workspace(id);
  }

  @Can('opinions.translate')
  @Audited({ action: 'opinion.translation_save', entityType: 'opinion_translation', param: 'id' })
  @Post(':id')
  @Form(WORKSPACE, { presenter: TranslationsPage })
  async save(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.translations.save(id, translationInput(body));
    return redirect(`/console/translations/${id}?saved=1`);
  }

  @Can('opinions.translate')
  @Audited({ action: 'opinion.translation_release', entityType: 'opinion_translation', param: 'id' })
  @Post(':id/release')
  @Form(WORKSPACE, { presenter: TranslationsPage })
  async release(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const { opinionId } = await this.translations.release(id, translationInput(body));
    // Released: the letter is rendered with both versions and the opinion delivered (or the amendment announced).
    await this.delivery.deliver(this.context.tenant<ResolvedTenant>(), opinionId);
    return redirect(`/console/translations/${id}?released=1`);
  }
}

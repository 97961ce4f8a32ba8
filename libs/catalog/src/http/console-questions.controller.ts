import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, Form, FormBody, Layout, Page, parseForm, redirect, Redirect, RequestContext, StaffOnly } from '@consilium/core';
import { ResolvedTenant, TenantContentCache, TenantSite } from '@consilium/tenancy';
import { OfferingsService } from '../offerings.service';
import { CatalogPages } from './catalog-pages';
import { questionsForm } from './question-forms';
import { QuestionPages } from './question-pages';

/** An offering's intake questions (in every site language) and exclusions, as a blueprint would write them. */
@Controller('console/catalog/offerings/:slug/questions')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleQuestionsController {
  constructor(
    private readonly offerings: OfferingsService,
    private readonly catalog: CatalogPages,
    private readonly pages: QuestionPages,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
  ) {}

  @Can('catalog.edit')
  @Get()
  @Page('catalog/console-questions', { title: 'catalog.questions.title' })
  edit(@Param('slug') slug: string) {
    return this.pages.edit(slug);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.offering_questions_update', entityType: 'offering' })
  @Post()
  @Form('catalog/console-questions', { presenter: QuestionPages, title: 'catalog.questions.title' })
  async save(@Param('slug') slug: string, @Body() body: FormBody): Promise<Redirect> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const current = await this.catalog.current(slug);
    await this.offerings.update(slug, parseForm(questionsForm(tenant, current.intakeQuestions), body));
    this.cache.invalidate(tenant.id);
    return redirect(`/console/catalog?saved=${encodeURIComponent(slug)}`);
  }
}

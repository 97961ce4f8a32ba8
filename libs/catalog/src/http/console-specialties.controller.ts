import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, Form, FormBody, Layout, NotFound, Page, parseForm, redirect, Redirect, RequestContext, StaffOnly } from '@consilium/core';
import { ResolvedTenant, TenantContentCache, TenantSite } from '@consilium/tenancy';
import { SpecialtiesService } from '../specialties.service';
import { SpecialtyPages } from './specialty-pages';
import { specialtyForm } from './specialty-forms';

const PAGE = { presenter: SpecialtyPages, title: 'catalog.specialties.title' } as const;

/**
 * The hospital admin's specialties: add, rename, order and withdraw, in the same rows a blueprint writes (so export
 * carries them and the apply check notices them).
 */
@Controller('console/catalog/specialties')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleSpecialtiesController {
  constructor(
    private readonly specialties: SpecialtiesService,
    private readonly pages: SpecialtyPages,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
  ) {}

  @Can('catalog.edit')
  @Get()
  @Page('catalog/console-specialties', { title: 'catalog.specialties.title' })
  list(@Query() query: Record<string, string>) {
    // After an action, a line that says it was done (`?created=`, `?saved=`, `?withdrawn=`, ...).
    const done = ['created', 'saved', 'moved', 'withdrawn', 'restored'].find((k) => query[k]);
    return this.pages.list({}, done && `catalog.specialties.done.${done}`);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.specialty_create', entityType: 'specialty' })
  @Post()
  @Form('catalog/console-specialties', PAGE)
  async create(@Body() body: FormBody): Promise<Redirect> {
    const { slug, ...fields } = parseForm(specialtyForm(this.tenant(), { isNew: true }), body);
    await this.specialties.create({ slug: slug!, ...fields });
    return this.done(`created=${encodeURIComponent(slug!)}`);
  }

  @Can('catalog.edit')
  @Get(':slug')
  @Page('catalog/console-specialty', { title: 'catalog.specialties.title' })
  edit(@Param('slug') slug: string) {
    return this.pages.edit(slug);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.specialty_update', entityType: 'specialty' })
  @Post(':slug')
  @Form('catalog/console-specialty', PAGE)
  async save(@Param('slug') slug: string, @Body() body: FormBody): Promise<Redirect> {
    await this.specialties.update(slug, parseForm(specialtyForm(this.tenant(), { isNew: false }), body));
    return this.done(`saved=${encodeURIComponent(slug)}`);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.specialty_move', entityType: 'specialty' })
  @Post(':slug/up')
  async up(@Param('slug') slug: string): Promise<Redirect> {
    if (!(await this.specialties.move(slug, -1))) throw new NotFound();
    return this.done('moved=1');
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.specialty_move', entityType: 'specialty' })
  @Post(':slug/down')
  async down(@Param('slug') slug: string): Promise<Redirect> {
    if (!(await this.specialties.move(slug, 1))) throw new NotFound();
    return this.done('moved=1');
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.specialty_withdraw', entityType: 'specialty' })
  @Post(':slug/withdraw')
  @Form('catalog/console-specialties', PAGE)
  async withdraw(@Param('slug') slug: string): Promise<Redirect> {
    if (!(await this.specialties.withdraw(slug))) throw new NotFound();
    return this.done(`withdrawn=${encodeURIComponent(slug)}`);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.specialty_restore', entityType: 'specialty' })
  @Post(':slug/restore')
  async restore(@Param('slug') slug: string): Promise<Redirect> {
    if (!(await this.specialties.restore(slug))) throw new NotFound();
    return this.done(`restored=${encodeURIComponent(slug)}`);
  }

  private done(query: string): Redirect {
    this.cache.invalidate(this.tenant().id);
    return redirect(`/console/catalog/specialties?${query}`);
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }
}

import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  Can,
  Form,
  FormBody,
  InvalidInput,
  Layout,
  NotFound,
  Page,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  StaffOnly,
  UploadedFile,
} from '@consilium/core';
import { readUploadedImage, ResolvedTenant, TenantContentCache, TenantResolver, TenantSite } from '@consilium/tenancy';
import { PhysiciansService } from '../physicians.service';
import { PhysicianPage, physicianForm } from './physician-page';

/** What a profile photo may be: a picture, not a vector drawing or an icon. */
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

/**
 * The hospital admin's roster editor: each physician's profile, whether they take new cases, weekly capacity,
 * stipend per opinion, specialties and licenses. Writes through PhysiciansService, as blueprints do.
 */
@Controller('console/roster')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleRosterController {
  constructor(
    private readonly physicians: PhysiciansService,
    private readonly page: PhysicianPage,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
    private readonly resolver: TenantResolver,
  ) {}

  @Can('roster.edit')
  @Get()
  @Page('roster/console-roster', { title: 'roster.console.title' })
  list() {
    return this.page.list();
  }

  @Can('roster.edit')
  @Get('new')
  @Page('roster/console-physician')
  newPhysician() {
    return this.page.blank();
  }

  @Can('roster.edit')
  @Audited({ action: 'roster.physician_create', entityType: 'physician' })
  @Post()
  @Form('roster/console-physician', { presenter: PhysicianPage })
  async create(@Body() body: FormBody): Promise<Redirect> {
    const { slug, ...physician } = parseForm(physicianForm(this.tenant(), { isNew: true }), body);
    await this.physicians.create({ ...physician, slug: slug! });
    this.cache.invalidate(this.tenant().id);
    return redirect(`/console/roster?created=${encodeURIComponent(slug!)}`);
  }

  @Can('roster.edit')
  @Get(':slug')
  @Page('roster/console-physician')
  edit(@Param('slug') slug: string) {
    return this.page.edit(slug);
  }

  @Can('roster.edit')
  @Audited({ action: 'roster.physician_update', entityType: 'physician' })
  @Post(':slug')
  @Form('roster/console-physician', { presenter: PhysicianPage })
  async save(@Param('slug') slug: string, @Body() body: FormBody): Promise<Redirect> {
    await this.page.one(slug);
    await this.physicians.update(slug, parseForm(physicianForm(this.tenant()), body));
    this.cache.invalidate(this.tenant().id);
    return redirect(`/console/roster?saved=${encodeURIComponent(slug)}`);
  }

  /**
   * A physician's photo, from a multipart form: judged by its bytes (JPEG, PNG or WebP, at most 1 MiB), or removed
   * with `remove_photo`. A refusal shows beside the field and changes nothing.
   */
  @Can('roster.edit')
  @Audited({ action: 'roster.physician_photo', entityType: 'physician' })
  @Post(':slug/photo')
  @Form('roster/console-physician', { presenter: PhysicianPage })
  async photo(@Param('slug') slug: string, @Body() body: FormBody): Promise<Redirect> {
    await this.page.one(slug);
    let asset = null;
    if (!body.remove_photo) {
      const judged = readUploadedImage(body.photo as UploadedFile | undefined, `physician-${slug}`, {
        types: PHOTO_TYPES,
        refusal: { key: 'roster.console.photoType' },
      });
      if ('problem' in judged) throw new InvalidInput({ photo: judged.problem });
      asset = judged.asset;
    }
    if (!(await this.physicians.setPhoto(slug, asset))) throw new NotFound();
    // Asset hashes live on the resolved tenant: both caches forget it, so the next page shows the new photo.
    this.resolver.invalidate(this.tenant().id);
    this.cache.invalidate(this.tenant().id);
    return redirect(`/console/roster/${encodeURIComponent(slug)}?photo=1`);
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }
}

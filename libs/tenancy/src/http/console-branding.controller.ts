import { Body, Controller, Get, Post } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  Can,
  Form,
  FormBody,
  InvalidInput,
  Layout,
  Page,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  StaffOnly,
  UploadedFile,
} from '@consilium/core';
import { TenantContentCache } from '../cache/tenant-content-cache';
import { readUploadedImage } from '../console/brand-image';
import { ResolvedTenant } from '../resolved-tenant';
import { TenantResolver } from '../tenant-resolver';
import { TenantSettingsService } from '../tenant-settings.service';
import { TenantSite } from '../tenant-site.guard';
import { BrandingPage, brandingForm } from './branding-page';

const VIEW = 'site/console-branding';
const TITLE = 'site.console.branding.title';

/**
 * The hospital admin's brand: colours, fonts, logo and favicon (judged by their bytes), contact details and legal
 * footer, on the tenant row and tenant_assets that blueprints write. Those tables' trigger tells every instance; this
 * one forgets the tenant at once so the admin's next page already wears the new brand.
 */
@Controller('console/branding')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleBrandingController {
  constructor(
    private readonly settings: TenantSettingsService,
    private readonly resolver: TenantResolver,
    private readonly cache: TenantContentCache,
    private readonly context: RequestContext,
    private readonly page: BrandingPage,
  ) {}

  @Can('site.edit')
  @Get()
  @Page(VIEW, { title: TITLE })
  show() {
    return this.page.show();
  }

  @Can('site.edit')
  @Audited({ action: 'site.branding_update', entityType: 'tenant' })
  @Post()
  @Form(VIEW, { presenter: BrandingPage, title: TITLE })
  async save(@Body() body: FormBody): Promise<Redirect> {
    await this.settings.update(parseForm(brandingForm(this.tenant()), body));
    this.forget();
    return redirect('/console/branding?saved=1');
  }

  @Can('site.edit')
  @Audited({ action: 'site.logo_update', entityType: 'tenant' })
  @Post('logo')
  @Form(VIEW, { presenter: BrandingPage, title: TITLE })
  logo(@Body() body: FormBody): Promise<Redirect> {
    return this.upload('logo', body);
  }

  @Can('site.edit')
  @Audited({ action: 'site.favicon_update', entityType: 'tenant' })
  @Post('favicon')
  @Form(VIEW, { presenter: BrandingPage, title: TITLE })
  favicon(@Body() body: FormBody): Promise<Redirect> {
    return this.upload('favicon', body);
  }

  /** A brand image from a multipart form, judged by its bytes; a refusal shows beside its field and changes nothing. */
  private async upload(role: 'logo' | 'favicon', body: FormBody): Promise<Redirect> {
    const judged = readUploadedImage(body[role] as UploadedFile | undefined, role);
    if ('problem' in judged) throw new InvalidInput({ [role]: judged.problem });
    await this.settings.replaceBrandImage(role, judged.asset);
    this.forget();
    return redirect(`/console/branding?${role}=1`);
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }

  private forget(): void {
    const tenantId = this.tenant().id;
    this.resolver.invalidate(tenantId);
    this.cache.invalidate(tenantId);
  }
}

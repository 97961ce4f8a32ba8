import { Body, Controller, Get, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, NotFound, RequestContext, Translator, ViewRenderer } from '@consilium/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Branding, TenantProfile } from '../branding';
import { TenantContentCache } from '../cache/tenant-content-cache';
import { readUploadedImage } from '../console/brand-image';
import { ConsoleForm, FormBody, languageFields, localizedFields, typedValues } from '../console/console-form';
import { readConsoleForm, UploadedFile } from '../console/multipart-form';
import { ResolvedTenant } from '../resolved-tenant';
import { TenantResolver } from '../tenant-resolver';
import { TenantSettingsService } from '../tenant-settings.service';
import { TenantSite } from '../tenant-site.guard';

const HTML = 'text/html; charset=utf-8';
// The blueprint's rules: a colour is #rrggbb, a font stack has nothing that could end the CSS declaration.
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Write a colour as #rrggbb, e.g. #0b5394.');
const fontStack = z
  .string()
  .min(1, 'Enter a font stack.')
  .max(200)
  .regex(/^[A-Za-z0-9 ,'"-]+$/, `Write a font stack such as Georgia, 'Times New Roman', serif.`);
const email = z.union([z.literal(''), z.email('Enter an email address like info@example.org.')]);

/**
 * The hospital admin's brand: colours, fonts, logo and favicon (judged by their bytes), contact details and legal
 * footer, on the tenant row and tenant_assets that blueprints write. Those tables' trigger tells every instance; this one forgets
 * the tenant at once so the admin's next page already wears the new brand.
 */
@Controller('console/branding')
@TenantSite()
export class ConsoleBrandingController {
  constructor(
    private readonly settings: TenantSettingsService,
    private readonly resolver: TenantResolver,
    private readonly cache: TenantContentCache,
    private readonly context: RequestContext,
    private readonly views: ViewRenderer,
    private readonly translator: Translator,
  ) {}

  @Can('site.edit')
  @Get()
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  page(): string {
    return this.render(currentValues(this.tenant()), {});
  }

  @Can('site.edit')
  @Audited({ action: 'site.branding_update', entityType: 'tenant' })
  @Post()
  @HttpCode(200)
  async save(@Body() body: FormBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const tenant = this.tenant();
    const form = new ConsoleForm(body ?? {});
    const colors = {
      primary: form.field('color_primary', colour),
      accent: form.field('color_accent', colour),
      text: form.field('color_text', colour),
      background: form.field('color_background', colour),
    };
    const fonts = { heading: form.field('font_heading', fontStack), body: form.field('font_body', fontStack) };
    const logoAlt = form.text('logo_alt');
    if (logoAlt.length > 200) form.fail('logo_alt', "Keep the logo's description under 200 characters.");
    const contactEmail = form.field('contact_email', email);
    const phone = form.text('contact_phone');
    if (phone.length > 40) form.fail('contact_phone', 'Keep the phone number under 40 characters.');
    const address = form.text('contact_address');
    if (address.length > 300) form.fail('contact_address', 'Keep the address under 300 characters.');
    const legalFooter = form.localized('legal_footer', tenant.locales, { optional: true, max: 1000 });
    if (!form.ok) {
      reply.status(400).header('content-type', HTML).header('cache-control', 'no-store');
      return this.render(typedValues(body ?? {}), form.errors);
    }
    const branding: Branding = { ...tenant.branding, colors: colors as Branding['colors'], fonts: fonts as Branding['fonts'] };
    if (logoAlt) branding.logoAlt = logoAlt;
    else delete branding.logoAlt;
    const contact = { ...(phone ? { phone } : {}), ...(contactEmail ? { email: contactEmail } : {}), ...(address ? { address } : {}) };
    const profile: TenantProfile = { ...tenant.profile, contact };
    if (legalFooter) profile.legalFooter = legalFooter;
    else delete profile.legalFooter;
    await this.settings.update({ branding, profile });
    this.forget(tenant.id);
    void reply.redirect('/console/branding?saved=1', 303);
  }

  @Can('site.edit')
  @Audited({ action: 'site.logo_update', entityType: 'tenant' })
  @Post('logo')
  @HttpCode(200)
  logo(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    return this.upload('logo', request, reply);
  }

  @Can('site.edit')
  @Audited({ action: 'site.favicon_update', entityType: 'tenant' })
  @Post('favicon')
  @HttpCode(200)
  favicon(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    return this.upload('favicon', request, reply);
  }

  /** A brand image from a multipart form, judged by its bytes; a refusal shows beside its field and changes nothing. */
  private async upload(role: 'logo' | 'favicon', request: FastifyRequest, reply: FastifyReply): Promise<string | void> {
    const tenant = this.tenant();
    const body: FormBody = await readConsoleForm(request);
    const file = (body ?? {})[role] as UploadedFile | undefined;
    const judged = readUploadedImage(file, role);
    if ('problem' in judged) {
      reply.status(400).header('content-type', HTML).header('cache-control', 'no-store');
      return this.render(currentValues(tenant), { [role]: this.translator.message(judged.problem, this.context.locale()) });
    }
    await this.settings.replaceBrandImage(role, judged.asset);
    this.forget(tenant.id);
    void reply.redirect(`/console/branding?${role}=1`, 303);
  }

  private tenant(): ResolvedTenant {
    // Fails closed should an app mount this lib without identity's access guard.
    if (this.context.actor()?.kind !== 'staff') throw new NotFound();
    return this.context.tenant<ResolvedTenant>();
  }

  private forget(tenantId: string): void {
    this.resolver.invalidate(tenantId);
    this.cache.invalidate(tenantId);
  }

  private render(values: Record<string, string>, errors: Record<string, string>): string {
    const tenant = this.tenant();
    return this.views.render(
      'site/console-branding',
      { title: 'Branding', footerFields: languageFields('legal_footer', tenant.locales), values, errors },
      { layout: 'console' },
    );
  }
}

function currentValues(tenant: ResolvedTenant): Record<string, string> {
  const { colors, fonts, logoAlt } = tenant.branding;
  const contact = tenant.profile.contact ?? {};
  return {
    color_primary: colors.primary,
    color_accent: colors.accent,
    color_text: colors.text,
    color_background: colors.background,
    font_heading: fonts.heading,
    font_body: fonts.body,
    logo_alt: logoAlt ?? '',
    contact_phone: contact.phone ?? '',
    contact_email: contact.email ?? '',
    contact_address: contact.address ?? '',
    ...localizedFields('legal_footer', tenant.profile.legalFooter, tenant.locales),
  };
}

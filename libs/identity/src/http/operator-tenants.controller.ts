import { Body, Controller, Get, Header, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { AuditLog } from '@consilium/audit';
import { AppConfig, Can, NotFound, RequestContext, ViewRenderer } from '@consilium/core';
import {
  BlueprintExporter,
  ConsoleForm,
  FormBody,
  LICENSURE_ROUTES,
  readBrandImage,
  TenantDirectory,
  TenantDomains,
  TenantOnboarding,
  TenantResolver,
  toYaml,
  readConsoleForm,
  typedValues,
  UploadedFile,
} from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TenantStaffInvitations } from '../operators/tenant-staff-invitations';

const HTML = 'text/html; charset=utf-8';
const SLUG = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

/**
 * The operator console's hospitals: the list with status, the onboarding wizard (a blueprint made from a form and
 * applied by the same applier as `tenants apply`), suspend/resume (as `tenants suspend|resume`), alias domains and
 * the primary one, and the blueprint export (as `tenants export`) as a YAML download. Operator host only; every
 * write leaves an operator audit row.
 */
@Controller('operator/tenants')
export class OperatorTenantsController {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly onboarding: TenantOnboarding,
    private readonly domains: TenantDomains,
    private readonly exporter: BlueprintExporter,
    private readonly resolver: TenantResolver,
    private readonly audit: AuditLog,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly invitations: TenantStaffInvitations,
  ) {}

  @Can('tenants.manage')
  @Get()
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async list(): Promise<string> {
    this.operatorOnly();
    const tenants = (await this.directory.list()).map((t) => ({
      ...t,
      url: t.primaryHost ? `${this.config.originFor(t.primaryHost)}/` : null,
    }));
    return this.views.render('identity/operator-tenants', { title: 'Hospitals', tenants }, { layout: 'plain' });
  }

  @Can('tenants.manage')
  @Get('new')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  newTenant(): string {
    this.operatorOnly();
    return this.renderWizard(
      {
        time_zone: 'America/Chicago',
        currency: 'USD',
        locales: 'en',
        default_locale: 'en',
        color_primary: '#0b5394',
        color_accent: '#e69138',
        color_text: '#1a1a1a',
        color_background: '#ffffff',
        unlicensed_states: 'decline',
        international: 'decline',
      },
      {},
    );
  }

  /** The wizard's one form (multipart, for the logo): answers become a blueprint, validated and applied. */
  @Can('tenants.manage')
  @Post()
  @HttpCode(200)
  async create(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    this.operatorOnly();
    const body: FormBody = await readConsoleForm(request);
    const form = new ConsoleForm(body ?? {});
    const logoFile = (body ?? {}).logo as UploadedFile | undefined;
    const logo =
      logoFile && !logoFile.truncated
        ? readBrandImage(logoFile.bytes, 'logo')
        : { problem: logoFile ? 'The image is larger than 1 MiB.' : "Choose the hospital's logo." };
    if ('problem' in logo) form.fail('logo', logo.problem);
    const locales = form.all('locales');
    const slug = form.text('slug');
    if (!form.text('name')) form.fail('name', "Enter the hospital's name.");
    if (!SLUG.test(slug)) form.fail('slug', 'Use lower-case letters, digits and hyphens (at most 40), e.g. lakeshore.');
    if (!locales.length) form.fail('locales', 'Choose at least one language.');
    const adminEmail = form.field('admin_email', z.union([z.literal(''), z.email('Enter an email address like admin@hospital.example.')]));
    const adminName = form.text('admin_name');
    if (adminEmail && !adminName) form.fail('admin_name', "Enter the administrator's name, or leave both fields empty.");
    if (form.ok && 'asset' in logo) {
      const outcome = await this.onboarding.create({
        name: form.text('name'),
        slug,
        casePrefix: form.text('case_prefix').toUpperCase(),
        timeZone: form.text('time_zone'),
        currency: form.text('currency').toUpperCase(),
        locales,
        defaultLocale: form.text('default_locale') || locales[0],
        primaryDomain: form.text('primary_domain').toLowerCase() || undefined,
        colors: {
          primary: form.text('color_primary'),
          accent: form.text('color_accent'),
          text: form.text('color_text'),
          background: form.text('color_background'),
        },
        logo: logo.asset,
        licensure: {
          homeState: form.text('home_state').toUpperCase() || undefined,
          unlicensedStates: form.text('unlicensed_states'),
          international: form.text('international'),
        },
      });
      if (outcome.ok) {
        await this.record('tenant.onboard', outcome.result.tenantId);
        if (adminEmail) await this.inviteFirstAdmin(outcome.result.tenantId, adminName, adminEmail);
        return void reply.redirect(`/operator/tenants/${slug}?created=1`, 303);
      }
      Object.assign(form.errors, outcome.errors);
    }
    await this.record('tenant.onboard', null, 'denied');
    reply.status(400).header('content-type', HTML).header('cache-control', 'no-store');
    return this.renderWizard({ ...typedValues(body ?? {}), locales: locales.join(',') }, form.errors);
  }

  @Can('tenants.manage')
  @Get(':slug')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async show(@Param('slug') slug: string): Promise<string> {
    this.operatorOnly();
    return this.renderTenant(slug, {});
  }

  @Can('tenants.manage')
  @Post(':slug/suspend')
  @HttpCode(200)
  async suspend(@Param('slug') slug: string, @Res() reply: FastifyReply): Promise<void> {
    await this.setStatus(slug, 'suspended', reply);
  }

  @Can('tenants.manage')
  @Post(':slug/resume')
  @HttpCode(200)
  async resume(@Param('slug') slug: string, @Res() reply: FastifyReply): Promise<void> {
    await this.setStatus(slug, 'active', reply);
  }

  @Can('tenants.manage')
  @Post(':slug/domains')
  @HttpCode(200)
  async addDomain(
    @Param('slug') slug: string,
    @Body() body: FormBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    this.operatorOnly();
    const host = new ConsoleForm(body ?? {}).text('host');
    const outcome = await this.domains.add(slug, host);
    return this.afterDomainEdit(slug, 'tenant.domain_add', outcome, reply, { host });
  }

  @Can('tenants.manage')
  @Post(':slug/domains/remove')
  @HttpCode(200)
  async removeDomain(
    @Param('slug') slug: string,
    @Body() body: FormBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    this.operatorOnly();
    const outcome = await this.domains.remove(slug, new ConsoleForm(body ?? {}).text('host'));
    return this.afterDomainEdit(slug, 'tenant.domain_remove', outcome, reply, {});
  }

  @Can('tenants.manage')
  @Post(':slug/domains/primary')
  @HttpCode(200)
  async primaryDomain(
    @Param('slug') slug: string,
    @Body() body: FormBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    this.operatorOnly();
    const outcome = await this.domains.makePrimary(slug, new ConsoleForm(body ?? {}).text('host'));
    return this.afterDomainEdit(slug, 'tenant.domain_primary', outcome, reply, {});
  }

  /** The hospital as `tenant.yaml`, as `tenants export` writes it (brand files stay in the database: use the CLI for the folder). */
  @Can('tenants.manage')
  @Get(':slug/blueprint.yaml')
  async exportYaml(@Param('slug') slug: string, @Res() reply: FastifyReply): Promise<void> {
    this.operatorOnly();
    const exported = await this.exporter.export(slug);
    if (!exported) throw new NotFound();
    await this.record('tenant.export', await this.tenantId(slug));
    void reply
      .header('content-type', 'application/yaml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${slug}-tenant.yaml"`)
      .header('cache-control', 'no-store')
      .send(toYaml(exported.blueprint));
  }

  /** The hospital's first admin gets the same emailed invitation as staff an admin invites, from the new site. */
  private async inviteFirstAdmin(tenantId: string, name: string, email: string): Promise<void> {
    await this.invitations.invite(tenantId, { email, name, roles: ['admin'] }, this.context.actor()?.id ?? null);
  }

  private async setStatus(slug: string, status: 'active' | 'suspended', reply: FastifyReply): Promise<void> {
    this.operatorOnly();
    const id = await this.tenantId(slug);
    if (!(await this.directory.setStatus(slug, status))) throw new NotFound();
    // The trigger tells every instance; this one forgets at once, so the very next request sees the new status.
    this.resolver.invalidate(id);
    await this.record(status === 'suspended' ? 'tenant.suspend' : 'tenant.resume', id);
    void reply.redirect(`/operator/tenants/${slug}?${status}=1`, 303);
  }

  private async afterDomainEdit(
    slug: string,
    action: string,
    outcome: Awaited<ReturnType<TenantDomains['add']>>,
    reply: FastifyReply,
    values: Record<string, string>,
  ): Promise<string | void> {
    const id = await this.tenantId(slug);
    if (outcome.ok) {
      if (outcome.changed) {
        this.resolver.invalidate(id);
        await this.record(action, id);
      }
      return void reply.redirect(`/operator/tenants/${slug}?domains=1#domains`, 303);
    }
    await this.record(action, id, 'denied');
    reply.status(400).header('content-type', HTML).header('cache-control', 'no-store');
    return this.renderTenant(slug, { values, errors: { [outcome.field]: outcome.error } });
  }

  private async tenantId(slug: string): Promise<string> {
    const tenant = (await this.directory.list()).find((t) => t.slug === slug);
    if (!tenant) throw new NotFound();
    return tenant.id;
  }

  private async renderTenant(slug: string, data: { values?: Record<string, string>; errors?: Record<string, string> }): Promise<string> {
    const tenant = (await this.directory.list()).find((t) => t.slug === slug);
    if (!tenant) throw new NotFound();
    const domains = await this.domains.list(slug);
    return this.views.render(
      'identity/operator-tenant',
      {
        title: tenant.name,
        tenant: {
          ...tenant,
          suspended: tenant.status === 'suspended',
          url: tenant.primaryHost ? `${this.config.originFor(tenant.primaryHost)}/` : null,
        },
        domains,
        values: data.values ?? {},
        errors: data.errors ?? {},
      },
      { layout: 'plain' },
    );
  }

  private renderWizard(values: Record<string, string>, errors: Record<string, string>): string {
    const chosen = (values.locales ?? '').split(',');
    return this.views.render(
      'identity/operator-onboard',
      {
        title: 'New hospital',
        platformDomain: this.config.raw.PLATFORM_DOMAIN,
        languages: ['en', 'es'].map((code) => ({ code, checked: chosen.includes(code), isDefault: values.default_locale === code })),
        routes: LICENSURE_ROUTES.map((route) => ({
          route,
          unlicensed: values.unlicensed_states === route,
          international: values.international === route,
        })),
        values,
        errors,
      },
      { layout: 'plain' },
    );
  }

  private async record(action: string, tenantId: string | null, outcome: 'allowed' | 'denied' = 'allowed'): Promise<void> {
    await this.audit.recordOperator({ action, operatorId: this.context.actor()?.id, entityType: 'tenant', entityId: tenantId, outcome });
  }

  /** Operator pages exist only on the operator host; anywhere else they are not found. */
  private operatorOnly(): void {
    if (this.context.host() !== this.config.operatorHost || this.context.actor()?.kind !== 'operator') throw new NotFound();
  }
}

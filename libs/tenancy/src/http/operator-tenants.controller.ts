import { Body, Controller, Get, Injectable, Param, Post, Query, Res } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AuditLog } from '@consilium/audit';
import {
  AppConfig,
  Can,
  checkForm,
  field,
  Form,
  FormBody,
  FormPresenter,
  InvalidInput,
  Layout,
  msg,
  NotFound,
  OperatorOnly,
  Page,
  parseForm,
  platformLocales,
  redirect,
  Redirect,
  RefusedForm,
  RequestContext,
  UploadedFile,
} from '@consilium/core';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { BlueprintExporter, toYaml } from '../blueprint/blueprint-exporter';
import { readUploadedImage } from '../console/brand-image';
import { FirstAdminInvitations } from '../console/first-admin-invitations';
import { TenantDomains } from '../console/tenant-domains';
import { TenantOnboarding } from '../console/tenant-onboarding';
import { LICENSURE_ROUTES } from '../licensure/licensure-policy';
import { TenantDirectory } from '../tenant-directory';
import { TenantResolver } from '../tenant-resolver';

const SLUG = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
const text = () => field.text({ optional: true, max: 200 });

const onboardingForm = z
  .object({
    name: field.text({ required: 'site.operator.nameRequired' }),
    slug: field.text({ max: 40 }).pipe(z.string().regex(SLUG, 'site.operator.slugInvalid')),
    case_prefix: text(),
    time_zone: text(),
    currency: text(),
    locales: field.list().pipe(z.array(z.string()).min(1, 'site.operator.chooseLanguage')),
    default_locale: text(),
    primary_domain: text(),
    color_primary: text(),
    color_accent: text(),
    color_text: text(),
    color_background: text(),
    home_state: text(),
    unlicensed_states: text(),
    international: text(),
    // Checked with the rest of the hospital (TenantOnboarding), so every problem is shown at once.
    contact_phone: field.text({ optional: true, max: 40 }),
    contact_email: field.text({ optional: true, max: 254 }),
    contact_address: field.text({ optional: true, max: 300 }),
    starter_catalog: field.checkbox(),
    admin_name: text(),
    admin_email: field.text({ optional: true, max: 254 }).pipe(z.union([z.literal(''), z.email('site.operator.adminEmailInvalid')])),
    logo: z.custom<UploadedFile | undefined>((v) => v === undefined || typeof v === 'object'),
  })
  .superRefine((form, ctx) => {
    if (form.admin_email && !form.admin_name)
      ctx.addIssue({ code: 'custom', path: ['admin_name'], message: 'site.operator.adminNameRequired' });
  });
const hostForm = z.object({ host: field.text({ optional: true, max: 253 }) });

/** The wizard's defaults and choices, and the hospital page's model: the operator console's presenter. */
@Injectable()
export class OperatorTenantsPage implements FormPresenter {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly domains: TenantDomains,
    private readonly config: AppConfig,
  ) {}

  refused({ params, values }: RefusedForm): Promise<Record<string, unknown>> | Record<string, unknown> {
    return params.slug ? this.tenant(params.slug) : this.wizard(values);
  }

  wizard(values: Record<string, string | string[]>): Record<string, unknown> {
    const chosen = ([] as string[]).concat(values.locales ?? []);
    return {
      platformDomain: this.config.raw.PLATFORM_DOMAIN,
      languages: platformLocales().map((code) => ({ code, checked: chosen.includes(code), isDefault: values.default_locale === code })),
      routes: LICENSURE_ROUTES.map((route) => ({
        route,
        unlicensed: values.unlicensed_states === route,
        international: values.international === route,
      })),
      values,
    };
  }

  async list(): Promise<Record<string, unknown>> {
    const tenants = (await this.directory.list()).map((t) => ({
      ...t,
      url: t.primaryHost ? `${this.config.originFor(t.primaryHost)}/` : null,
    }));
    return { tenants };
  }

  async tenant(slug: string): Promise<Record<string, unknown>> {
    const tenant = (await this.directory.list()).find((t) => t.slug === slug);
    if (!tenant) throw new NotFound();
    return {
      title: tenant.name,
      tenant: {
        ...tenant,
        suspended: tenant.status === 'suspended',
        url: tenant.primaryHost ? `${this.config.originFor(tenant.primaryHost)}/` : null,
        checklist: tenant.primaryHost ? `${this.config.originFor(tenant.primaryHost)}/console/launch` : null,
      },
      domains: await this.domains.list(slug),
    };
  }
}

const WIZARD_DEFAULTS = {
  time_zone: 'America/Chicago',
  currency: 'USD',
  locales: ['en'],
  default_locale: 'en',
  color_primary: '#0b5394',
  color_accent: '#e69138',
  color_text: '#1a1a1a',
  color_background: '#ffffff',
  starter_catalog: '1',
  unlicensed_states: 'decline',
  international: 'decline',
};

/**
 * The operator console's hospitals: the list with status, the onboarding wizard (a blueprint made from a form and
 * applied by the same applier as `tenants apply`), suspend/resume (as `tenants suspend|resume`), alias domains and
 * the primary one, and the blueprint export (as `tenants export`) as a YAML download. Operator host only; every
 * write leaves an operator audit row.
 */
@Controller('operator/tenants')
@OperatorOnly()
@Layout('plain')
export class OperatorTenantsController {
  constructor(
    private readonly page: OperatorTenantsPage,
    private readonly directory: TenantDirectory,
    private readonly onboarding: TenantOnboarding,
    private readonly domains: TenantDomains,
    private readonly exporter: BlueprintExporter,
    private readonly resolver: TenantResolver,
    private readonly audit: AuditLog,
    private readonly context: RequestContext,
    private readonly modules: ModuleRef,
  ) {}

  @Can('tenants.manage')
  @Get()
  @Page('site/operator-tenants', { title: 'site.operator.tenants' })
  list() {
    return this.page.list();
  }

  @Can('tenants.manage')
  @Get('new')
  @Page('site/operator-onboard', { title: 'site.operator.newTenant' })
  newTenant() {
    return this.page.wizard(WIZARD_DEFAULTS);
  }

  /** The wizard's one form (multipart, for the logo): answers become a blueprint, validated and applied. */
  @Can('tenants.manage')
  @Post()
  @Form('site/operator-onboard', { presenter: OperatorTenantsPage, title: 'site.operator.newTenant' })
  async create(@Body() body: FormBody): Promise<Redirect> {
    const checked = checkForm(onboardingForm, body);
    if (!checked.ok) return this.refuse(null, checked.problems);
    const form = checked.data;
    const logo = readUploadedImage(form.logo, 'logo');
    if ('problem' in logo) return this.refuse(null, { logo: form.logo ? logo.problem : msg('site.operator.logoRequired') });
    const outcome = await this.onboarding.create({
      name: form.name,
      slug: form.slug,
      casePrefix: form.case_prefix.toUpperCase(),
      timeZone: form.time_zone,
      currency: form.currency.toUpperCase(),
      locales: form.locales,
      defaultLocale: form.default_locale || form.locales[0],
      primaryDomain: form.primary_domain.toLowerCase() || undefined,
      colors: { primary: form.color_primary, accent: form.color_accent, text: form.color_text, background: form.color_background },
      logo: logo.asset,
      contact: { phone: form.contact_phone, email: form.contact_email, address: form.contact_address || undefined },
      licensure: {
        homeState: form.home_state.toUpperCase() || undefined,
        unlicensedStates: form.unlicensed_states,
        international: form.international,
      },
      starterCatalog: form.starter_catalog,
    });
    // The blueprint's own checks, and a slug or host already taken, each beside the field that was typed.
    if (!outcome.ok) return this.refuse(null, outcome.errors);
    await this.record('tenant.onboard', outcome.result.tenantId);
    if (form.admin_email) {
      // Identity's implementation, found across modules: tenancy cannot import the lib above it. It audits the
      // invitation in the operator's log and the new hospital's.
      await this.modules
        .get(FirstAdminInvitations, { strict: false })
        .invite(outcome.result.tenantId, { name: form.admin_name, email: form.admin_email });
    }
    return redirect(`/operator/tenants/${form.slug}?created=1`);
  }

  @Can('tenants.manage')
  @Get(':slug')
  @Page('site/operator-tenant')
  async show(@Param('slug') slug: string, @Query('created') created?: string) {
    // Just made by the wizard: say so, and where its admin goes next (the launch checklist).
    return { ...(await this.page.tenant(slug)), created: !!created };
  }

  @Can('tenants.manage')
  @Post(':slug/suspend')
  suspend(@Param('slug') slug: string): Promise<Redirect> {
    return this.setStatus(slug, 'suspended');
  }

  @Can('tenants.manage')
  @Post(':slug/resume')
  resume(@Param('slug') slug: string): Promise<Redirect> {
    return this.setStatus(slug, 'active');
  }

  @Can('tenants.manage')
  @Post(':slug/domains')
  @Form('site/operator-tenant', { presenter: OperatorTenantsPage })
  async addDomain(@Param('slug') slug: string, @Body() body: unknown): Promise<Redirect> {
    return this.afterDomainEdit(slug, 'tenant.domain_add', await this.domains.add(slug, parseForm(hostForm, body).host));
  }

  @Can('tenants.manage')
  @Post(':slug/domains/remove')
  @Form('site/operator-tenant', { presenter: OperatorTenantsPage })
  async removeDomain(@Param('slug') slug: string, @Body() body: unknown): Promise<Redirect> {
    return this.afterDomainEdit(slug, 'tenant.domain_remove', await this.domains.remove(slug, parseForm(hostForm, body).host));
  }

  @Can('tenants.manage')
  @Post(':slug/domains/primary')
  @Form('site/operator-tenant', { presenter: OperatorTenantsPage })
  async primaryDomain(@Param('slug') slug: string, @Body() body: unknown): Promise<Redirect> {
    return this.afterDomainEdit(slug, 'tenant.domain_primary', await this.domains.makePrimary(slug, parseForm(hostForm, body).host));
  }

  /** The hospital as `tenant.yaml`, as `tenants export` writes it (brand files stay in the database: use the CLI for the folder). */
  @Can('tenants.manage')
  @Get(':slug/blueprint.yaml')
  async exportYaml(@Param('slug') slug: string, @Res() reply: FastifyReply): Promise<void> {
    const exported = await this.exporter.export(slug);
    if (!exported) throw new NotFound();
    await this.record('tenant.export', await this.tenantId(slug));
    void reply
      .header('content-type', 'application/yaml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${slug}-tenant.yaml"`)
      .header('cache-control', 'no-store')
      .send(toYaml(exported.blueprint));
  }

  private async setStatus(slug: string, status: 'active' | 'suspended'): Promise<Redirect> {
    const id = await this.tenantId(slug);
    if (!(await this.directory.setStatus(slug, status))) throw new NotFound();
    // The trigger tells every instance; this one forgets at once, so the very next request sees the new status.
    this.resolver.invalidate(id);
    await this.record(status === 'suspended' ? 'tenant.suspend' : 'tenant.resume', id);
    return redirect(`/operator/tenants/${slug}?${status}=1`);
  }

  private async afterDomainEdit(slug: string, action: string, outcome: Awaited<ReturnType<TenantDomains['add']>>): Promise<Redirect> {
    const id = await this.tenantId(slug);
    if (!outcome.ok) return this.refuse(id, { [outcome.field]: outcome.error }, action);
    if (outcome.changed) {
      this.resolver.invalidate(id);
      await this.record(action, id);
    }
    return redirect(`/operator/tenants/${slug}?domains=1#domains`);
  }

  /** A refused write is audited as denied, then its form is shown again. */
  private async refuse(
    tenantId: string | null,
    problems: ConstructorParameters<typeof InvalidInput>[0],
    action = 'tenant.onboard',
  ): Promise<never> {
    await this.record(action, tenantId, 'denied');
    throw new InvalidInput(problems);
  }

  private async tenantId(slug: string): Promise<string> {
    const tenant = (await this.directory.list()).find((t) => t.slug === slug);
    if (!tenant) throw new NotFound();
    return tenant.id;
  }

  private async record(action: string, tenantId: string | null, outcome: 'allowed' | 'denied' = 'allowed'): Promise<void> {
    await this.audit.recordOperator({ action, operatorId: this.context.actor()?.id, entityType: 'tenant', entityId: tenantId, outcome });
  }
}

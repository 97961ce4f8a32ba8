import { Body, Controller, Get, Injectable, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  AppConfig,
  Can,
  field,
  Form,
  FormPresenter,
  Layout,
  NotFound,
  Page,
  parseForm,
  Public,
  redirect,
  Redirect,
  RefusedForm,
  RequestContext,
  StaffOnly,
} from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ScimTokens } from '../scim/scim-tokens.service';
import { SessionCookie } from '../session-cookie';
import { OidcSignIn } from '../sso/oidc-sign-in.service';
import { SamlConnections } from '../sso/saml-connections.service';
import { SamlSignIn } from '../sso/saml-sign-in.service';
import { formatRoleMap, parseRoleMap, SsoConnections } from '../sso/sso-connections.service';
import { safeNext } from './redirects';

const STATE_COOKIE = 'consilium_sso_state';
const DOMAIN = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const samlForm = z
  .object({
    samlDisplayName: field.text({ max: 80, required: 'identity.sso.displayNameRequired' }),
    samlMetadata: field.text({ max: 200_000, optional: true }),
    samlMetadataUrl: field.text({ max: 500, optional: true }),
    samlAllowedDomains: field.text({ max: 1000, required: 'identity.sso.domainsRequired' }),
    samlRoleAttribute: field.text({ max: 200, optional: true }),
    samlRoleMap: field.text({ max: 4000, required: 'identity.sso.roleMapRequired' }),
    samlMfaContexts: field.text({ max: 1000, optional: true }),
    samlRequireSso: field.checkbox(),
    samlBreakGlassEmail: field.text({ max: 254, optional: true }),
  })
  .superRefine((form, ctx) => {
    if (words(form.samlAllowedDomains.toLowerCase()).some((d) => !DOMAIN.test(d)))
      ctx.addIssue({ code: 'custom', path: ['samlAllowedDomains'], message: 'identity.sso.domainsInvalid' });
    if (form.samlBreakGlassEmail && !z.email().safeParse(form.samlBreakGlassEmail).success)
      ctx.addIssue({ code: 'custom', path: ['samlBreakGlassEmail'], message: 'core.form.email' });
    if (form.samlRequireSso && !form.samlBreakGlassEmail)
      ctx.addIssue({ code: 'custom', path: ['samlBreakGlassEmail'], message: 'identity.sso.breakGlassRequired' });
  });

const tokenForm = z.object({ tokenName: field.text({ max: 100, required: 'identity.scim.tokenNameRequired' }) });

const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);

const ssoForm = z
  .object({
    displayName: field.text({ max: 80, required: 'identity.sso.displayNameRequired' }),
    issuer: field.text({ max: 500, required: 'identity.sso.issuerRequired' }),
    clientId: field.text({ max: 255, required: 'identity.sso.clientIdRequired' }),
    clientSecret: field.text({ max: 1000, optional: true }),
    allowedDomains: field.text({ max: 1000, required: 'identity.sso.domainsRequired' }),
    roleClaim: field.text({ max: 100, optional: true }),
    roleMap: field.text({ max: 4000, required: 'identity.sso.roleMapRequired' }),
    mfaAcrValues: field.text({ max: 1000, optional: true }),
    requireSso: field.checkbox(),
    breakGlassEmail: field.text({ max: 254, optional: true }),
  })
  .superRefine((form, ctx) => {
    if (words(form.allowedDomains.toLowerCase()).some((d) => !DOMAIN.test(d)))
      ctx.addIssue({ code: 'custom', path: ['allowedDomains'], message: 'identity.sso.domainsInvalid' });
    if (form.breakGlassEmail && !z.email().safeParse(form.breakGlassEmail).success)
      ctx.addIssue({ code: 'custom', path: ['breakGlassEmail'], message: 'core.form.email' });
    if (form.requireSso && !form.breakGlassEmail)
      ctx.addIssue({ code: 'custom', path: ['breakGlassEmail'], message: 'identity.sso.breakGlassRequired' });
  });

/** The console's sign-in page: the password form, and "Sign in with <IdP>" when the hospital has one. */
@Injectable()
export class ConsoleSignInPage implements FormPresenter {
  constructor(
    private readonly connections: SsoConnections,
    private readonly samlConnections: SamlConnections,
  ) {}

  refused({ values, query }: RefusedForm): Promise<Record<string, unknown>> {
    return this.page(values.next ?? query.next);
  }

  async page(next: unknown): Promise<Record<string, unknown>> {
    const [connection, saml] = await Promise.all([this.connections.current(), this.samlConnections.current()]);
    const back = safeNext(next, '');
    const query = back ? `?next=${encodeURIComponent(back)}` : '';
    return {
      next: back,
      sso: connection ? { name: connection.displayName, href: `/console/sso/start${query}` } : undefined,
      saml: saml ? { name: saml.displayName, href: `/console/sso/saml/start${query}` } : undefined,
    };
  }
}

/** The admin's single sign-on settings, with what is stored now (never the secret itself). */
@Injectable()
export class SsoSettingsPage implements FormPresenter {
  constructor(
    private readonly connections: SsoConnections,
    private readonly samlConnections: SamlConnections,
    private readonly samlSignIn: SamlSignIn,
    private readonly scimTokens: ScimTokens,
    private readonly config: AppConfig,
    private readonly context: RequestContext,
  ) {}

  /** What was typed stays in its form; the page's other forms (OpenID, SAML, SCIM token) show what is stored. */
  async refused({ values }: RefusedForm): Promise<Record<string, unknown>> {
    const { values: stored, ...rest } = await this.model();
    // The refused form's own fields come only from what was typed (an unticked checkbox sends nothing).
    const refusedForm = 'issuer' in values ? 'oidc' : 'samlDisplayName' in values ? 'saml' : 'token';
    const kept = Object.entries(stored as Record<string, unknown>).filter(([key]) =>
      refusedForm === 'oidc' ? key.startsWith('saml') : refusedForm === 'saml' ? !key.startsWith('saml') : true,
    );
    return { ...rest, values: { ...Object.fromEntries(kept), ...values } };
  }

  async model(saved = false, createdToken?: string): Promise<Record<string, unknown>> {
    const [connection, saml] = await Promise.all([this.connections.current(), this.samlConnections.current()]);
    const samlValues = saml
      ? {
          samlDisplayName: saml.displayName,
          samlAllowedDomains: saml.allowedDomains.join(' '),
          samlRoleAttribute: saml.roleAttribute,
          samlRoleMap: formatRoleMap(saml.roleMap),
          samlMfaContexts: saml.mfaContexts.join(' '),
          samlRequireSso: saml.requireSso ? 'yes' : '',
          samlBreakGlassEmail: saml.breakGlassEmail ?? '',
        }
      : { samlRoleAttribute: 'groups' };
    const values = connection
      ? {
          displayName: connection.displayName,
          issuer: connection.issuer,
          clientId: connection.clientId,
          allowedDomains: connection.allowedDomains.join(' '),
          roleClaim: connection.roleClaim,
          roleMap: formatRoleMap(connection.roleMap),
          mfaAcrValues: connection.mfaAcrValues.join(' '),
          requireSso: connection.requireSso ? 'yes' : '',
          breakGlassEmail: connection.breakGlassEmail ?? '',
        }
      : { roleClaim: 'groups' };
    return {
      values: { ...values, ...samlValues },
      samlIdp: saml ? { entityId: saml.entityId, ssoUrl: saml.ssoUrl } : undefined,
      samlSp: this.samlSignIn.addresses(),
      saved,
      callbackPath: `${this.config.originFor(this.context.host()!)}/console/sso/callback`,
      scimBase: `${this.config.originFor(this.context.host()!)}/scim/v2`,
      scimTokens: await this.scimTokens.list(),
      createdToken,
      configured: !!connection,
      secretFromEnv: connection && 'env' in connection.secretSource ? connection.secretSource.env : undefined,
    };
  }
}

const SETTINGS = { title: 'identity.sso.title' };

/** "Sign in with <IdP>" for the hospital's staff, and the admin's page that sets it up. */
@Controller('console')
@TenantSite()
@Layout('console')
export class ConsoleSsoController {
  constructor(
    private readonly signIn: OidcSignIn,
    private readonly samlSignIn: SamlSignIn,
    private readonly connections: SsoConnections,
    private readonly samlConnections: SamlConnections,
    private readonly settings: SsoSettingsPage,
    private readonly cookie: SessionCookie,
    private readonly config: AppConfig,
    private readonly scimTokens: ScimTokens,
    private readonly context: RequestContext,
  ) {}

  @Public()
  @Get('sso/start')
  @Form('identity/console-sign-in', { presenter: ConsoleSignInPage, title: 'identity.console.signInTitle' })
  async start(@Query('next') next: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<Redirect> {
    const { url, state } = await this.signIn.start(next ? safeNext(next, '/console') : null);
    reply.setCookie(STATE_COOKIE, state, {
      path: '/console/sso',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.raw.PUBLIC_SCHEME === 'https',
      maxAge: 600,
    });
    return redirect(url);
  }

  @Public()
  @Get('sso/callback')
  @Form('identity/console-sign-in', { presenter: ConsoleSignInPage, title: 'identity.console.signInTitle' })
  async callback(
    @Query() query: Record<string, string>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Redirect> {
    reply.clearCookie(STATE_COOKIE, { path: '/console/sso' });
    const done = await this.signIn.finish(query, request.cookies?.[STATE_COOKIE]);
    this.cookie.set(reply, done.token);
    const next = safeNext(done.next, '/console');
    // Without the IdP's word that it checked a second factor, ours still applies.
    return redirect(done.mfaVerified ? next : `/console/mfa?next=${encodeURIComponent(next)}`);
  }

  @Public()
  @Get('sso/saml/start')
  @Form('identity/console-sign-in', { presenter: ConsoleSignInPage, title: 'identity.console.signInTitle' })
  async samlStart(@Query('next') next: string | undefined): Promise<Redirect> {
    return redirect(await this.samlSignIn.start(next ? safeNext(next, '/console') : null));
  }

  /** The SP metadata an IdP admin imports; public, like every SP's, and the same whether or not an IdP is set up. */
  @Public()
  @Get('sso/saml/metadata')
  samlMetadata(@Res() reply: FastifyReply): void {
    void reply
      .header('content-type', 'application/samlmetadata+xml; charset=utf-8')
      .header('content-disposition', 'inline; filename="sp-metadata.xml"')
      .send(this.samlSignIn.serviceProviderMetadata());
  }

  /** The IdP posts the assertion here (cross-site: no CSRF token, no Lax cookie; see SamlSignIn). */
  @Public()
  @Post('sso/saml/acs')
  @Form('identity/console-sign-in', { presenter: ConsoleSignInPage, title: 'identity.console.signInTitle' })
  async samlAcs(@Body() body: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply): Promise<Redirect> {
    const done = await this.samlSignIn.finish(body ?? {});
    this.cookie.set(reply, done.token);
    const next = safeNext(done.next, '/console');
    return redirect(done.mfaVerified ? next : `/console/mfa?next=${encodeURIComponent(next)}`);
  }

  @StaffOnly()
  @Can('sso.manage')
  @Get('settings/sso')
  @Page('identity/sso-settings', SETTINGS)
  settingsPage(@Query('saved') saved?: string) {
    return this.settings.model(saved === '1');
  }

  @StaffOnly()
  @Can('sso.manage')
  @Post('settings/sso')
  @Form('identity/sso-settings', { presenter: SsoSettingsPage, title: SETTINGS.title })
  async save(@Body() body: unknown): Promise<Redirect> {
    const form = parseForm(ssoForm, body);
    await this.connections.save({
      displayName: form.displayName,
      issuer: form.issuer,
      clientId: form.clientId,
      clientSecret: form.clientSecret || undefined,
      allowedDomains: words(form.allowedDomains.toLowerCase()),
      roleClaim: form.roleClaim ?? 'groups',
      roleMap: parseRoleMap(form.roleMap),
      mfaAcrValues: words(form.mfaAcrValues ?? ''),
      requireSso: form.requireSso,
      breakGlassEmail: form.breakGlassEmail || null,
    });
    return redirect('/console/settings/sso?saved=1');
  }

  @StaffOnly()
  @Can('sso.manage')
  @Post('settings/sso/saml')
  @Form('identity/sso-settings', { presenter: SsoSettingsPage, title: SETTINGS.title })
  async saveSaml(@Body() body: unknown): Promise<Redirect> {
    const form = parseForm(samlForm, body);
    const roleMap = parseRoleMap(form.samlRoleMap, 'samlRoleMap');
    await this.samlConnections.save({
      displayName: form.samlDisplayName,
      metadataXml: form.samlMetadata || undefined,
      metadataUrl: form.samlMetadataUrl || undefined,
      allowedDomains: words(form.samlAllowedDomains.toLowerCase()),
      roleAttribute: form.samlRoleAttribute || 'groups',
      roleMap,
      mfaContexts: words(form.samlMfaContexts ?? ''),
      requireSso: form.samlRequireSso,
      breakGlassEmail: form.samlBreakGlassEmail || null,
    });
    return redirect('/console/settings/sso?saved=1');
  }

  /** A token for the hospital's directory, shown once on the page that answers (never cached, never stored in clear). */
  @StaffOnly()
  @Can('sso.manage')
  @Post('settings/sso/scim-tokens')
  @Page('identity/sso-settings', SETTINGS)
  @Form('identity/sso-settings', { presenter: SsoSettingsPage, title: SETTINGS.title })
  async createScimToken(@Body() body: unknown) {
    const { tokenName } = parseForm(tokenForm, body);
    const { token } = await this.scimTokens.create(tokenName, this.context.actor()!.id);
    return this.settings.model(false, token);
  }

  @StaffOnly()
  @Can('sso.manage')
  @Post('settings/sso/scim-tokens/:id/revoke')
  async revokeScimToken(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    if (!(await this.scimTokens.revoke(id))) throw new NotFound();
    return redirect('/console/settings/sso');
  }
}

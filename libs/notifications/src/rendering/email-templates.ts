import { Injectable } from '@nestjs/common';
import { AppConfig, Translator } from '@consilium/core';
import Handlebars from 'handlebars';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type TemplateMode = 'html' | 'text';

/**
 * Email templates: `views/emails/<name>.hbs` (`new-message.subject`, `layouts/branded.html`), one per message for
 * every language, their words by key (`{{t "notifications.email.new-message.intro" hospital=tenant.name}}`) in the
 * model's `lang`. Each is overridable per tenant by `tenants/<slug>/templates/emails/<name>.hbs`, or for one
 * language by `tenants/<slug>/templates/emails/<lang>/<name>.hbs` (a hospital's own wording in that language).
 * Unlike pages, the tenant is passed explicitly (jobs have no request), and subjects and plain-text bodies are
 * compiled without HTML escaping.
 */
@Injectable()
export class EmailTemplates {
  private readonly hbs = Handlebars.create();
  private readonly root = path.join(__dirname, '..', 'views', 'emails');
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();
  private readonly overrides = new Map<string, string | null>();

  constructor(
    private readonly config: AppConfig,
    translator: Translator,
  ) {
    const hbs = this.hbs;
    // {{t "notifications.email.greeting"}}: the message's language is the model's `lang`. Arguments are the
    // catalogue's typed fields and the public brand; escaped in HTML like any other value.
    hbs.registerHelper('t', (key: string, options: Handlebars.HelperOptions) => {
      const root = (options.data as { root: { lang: string; timeZone?: string } }).root;
      return translator.t(key, root.lang, options.hash as Record<string, unknown>, { timeZone: root.timeZone });
    });
    // {{#button link}}Label{{/button}}: a call to action in the tenant's colours that survives email clients (a
    // table cell, inline styles). Colours come from the validated blueprint, the URL is escaped.
    // {{#if (eq deadline "accept")}}: the catalogue's enum fields choose a sentence; they never carry text themselves.
    hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    hbs.registerHelper('button', function (this: unknown, url: unknown, options: Handlebars.HelperOptions) {
      const brand = (options.data as { root: { brand: { primary: string; onPrimary: string; fontBody: string } } }).root.brand;
      const href = hbs.escapeExpression(String(url));
      return new hbs.SafeString(
        `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0;"><tr>` +
          `<td style="background:${brand.primary};border-radius:6px;">` +
          `<a href="${href}" style="display:inline-block;padding:12px 22px;color:${brand.onPrimary};font-family:${hbs.escapeExpression(brand.fontBody)};font-weight:bold;text-decoration:none;">${options.fn(this)}</a>` +
          `</td></tr></table>`,
      );
    });
  }

  /** `name` in `lang` (the model's `lang`): the tenant's override for that language, its override, or the platform's. */
  render(tenantSlug: string, name: string, model: Record<string, unknown> & { lang: string }, mode: TemplateMode): string {
    return this.template(tenantSlug, name, model.lang, mode)(model);
  }

  /** True when `tenantSlug` overrides `name` (tests and the operator view say which file won). */
  isOverridden(tenantSlug: string, name: string, lang?: string): boolean {
    return (lang !== undefined && this.overrideFor(tenantSlug, `${lang}/${name}`) !== null) || this.overrideFor(tenantSlug, name) !== null;
  }

  private template(slug: string, name: string, lang: string, mode: TemplateMode): Handlebars.TemplateDelegate {
    const file = this.overrideFor(slug, `${lang}/${name}`) ?? this.overrideFor(slug, name) ?? path.join(this.root, `${name}.hbs`);
    const key = `${mode}:${file}`;
    let template = this.compiled.get(key);
    if (!template) {
      template = this.hbs.compile(readFileSync(file, 'utf8'), { noEscape: mode === 'text', strict: false });
      this.compiled.set(key, template);
    }
    return template;
  }

  private overrideFor(slug: string, name: string): string | null {
    const key = `${slug}:${name}`;
    let found = this.overrides.get(key);
    if (found === undefined) {
      const candidate = path.join(this.config.tenantsDir, slug, 'templates', 'emails', `${name}.hbs`);
      found = existsSync(candidate) ? candidate : null;
      this.overrides.set(key, found);
    }
    return found;
  }
}

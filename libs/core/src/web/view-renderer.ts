import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AppConfig } from '../config/config';
import { RequestContext } from '../context/request-context';
import { Translator } from '../i18n/translator';
import { layoutRoot, registerHelpers } from './view-helpers';

export interface RenderOptions {
  /** Layout name under a `layouts/` folder; `false` renders the template alone (emails, fragments). */
  layout?: string | false;
}

/** Supplies the variables every layout needs (tenant brand, navigation) for the current request. */
export type LayoutDataProvider = () => Record<string, unknown>;

/**
 * Server-rendered handlebars pages. Each lib registers its `views/` folder under a namespace; templates are named
 * `namespace/path` (e.g. `site/home`). A tenant overrides any template, layout or partial by putting a file with the
 * same relative name under `tenants/<slug>/templates/`. Compiled templates are cached per (tenant, name).
 */
@Injectable()
export class ViewRenderer {
  private readonly hbs = Handlebars.create();
  private readonly roots = new Map<string, string>();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();
  private readonly overridePaths = new Map<string, string | null>();
  private readonly layoutData: LayoutDataProvider[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly context: RequestContext,
    private readonly translator: Translator,
  ) {
    registerHelpers(this.hbs);
    // {{t "identity.signIn.title" name=tenant.name}}: the page's language (`lang` in the layout data) and, for
    // dates in messages, the hospital's time zone (`timeZone`).
    this.hbs.registerHelper('t', (key: string, options: Handlebars.HelperOptions) => {
      const root = layoutRoot(options);
      // Handlebars types the hash `any`: it holds the named arguments the template wrote.
      return this.translator.t(key, root.lang ?? 'en', options.hash as Record<string, unknown>, { timeZone: root.timeZone });
    });
    this.registerViews('core', path.join(__dirname, '..', 'views'));
  }

  /** `dir` is a lib's views folder; its `partials/` are registered as `namespace/name`, its `i18n/` as text. */
  registerViews(namespace: string, dir: string): void {
    this.roots.set(namespace, dir);
    this.translator.register(namespace, path.join(dir, 'i18n'));
    const partials = path.join(dir, 'partials');
    if (!existsSync(partials)) return;
    for (const file of readdirSync(partials)) {
      if (!file.endsWith('.hbs')) continue;
      const name = `${namespace}/${file.slice(0, -4)}`;
      // Partials resolve lazily so that tenant overrides of partials also apply.
      this.hbs.registerPartial(name, ((ctx: unknown, opts: Handlebars.RuntimeOptions) =>
        this.template(`${namespace}/partials/${file.slice(0, -4)}`)(ctx, opts)) as unknown as Handlebars.Template);
    }
  }

  /** Libs add the variables they own (brand, signed-in actor, CSRF token); later providers win on conflicts. */
  addLayoutData(provider: LayoutDataProvider): void {
    this.layoutData.push(provider);
  }

  render(name: string, data: Record<string, unknown> = {}, options: RenderOptions = {}): string {
    const locals: Record<string, unknown> = {};
    for (const provide of this.layoutData) Object.assign(locals, provide());
    Object.assign(locals, data);
    const body = this.template(name)(locals);
    if (options.layout === false) return body;
    return this.template(`core/layouts/${options.layout ?? 'site'}`)({ ...locals, body });
  }

  /** The compiled template for the current tenant: its override when it has one, else the platform's. */
  private template(name: string): Handlebars.TemplateDelegate {
    const tenant = this.context.tenantOrNull();
    const file = (tenant && this.overrideFor(tenant.slug, name)) || this.platformFile(name);
    let template = this.compiled.get(file);
    if (!template) {
      template = this.hbs.compile(readFileSync(file, 'utf8'), { strict: false });
      this.compiled.set(file, template);
    }
    return template;
  }

  private platformFile(name: string): string {
    const slash = name.indexOf('/');
    const root = this.roots.get(name.slice(0, slash));
    if (!root) throw new Error(`No views registered for "${name.slice(0, slash)}" (template ${name})`);
    return path.join(root, `${name.slice(slash + 1)}.hbs`);
  }

  private overrideFor(slug: string, name: string): string | null {
    const key = `${slug}:${name}`;
    let found = this.overridePaths.get(key);
    if (found === undefined) {
      const candidate = path.join(this.config.tenantsDir, slug, 'templates', `${name}.hbs`);
      found = existsSync(candidate) ? candidate : null;
      this.overridePaths.set(key, found);
    }
    return found;
  }
}

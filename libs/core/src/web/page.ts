import { applyDecorators, HttpCode, SetMetadata, Type } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export const PAGE = 'consilium:page';
export const LAYOUT = 'consilium:layout';
export const FORM = 'consilium:form';

export type LayoutName = 'site' | 'console' | 'plain';

export interface PageOptions {
  /** The layout around the view; a controller's `@Layout(...)` gives its routes one, default `site`. */
  layout?: LayoutName;
  /** Catalog key of the page's `<title>` when the model gives none (a model's `title` is data, e.g. a name). */
  title?: string;
  /**
   * `no-store` unless said otherwise: signed-in pages, consoles and every page with a form. A public page the
   * page cache may keep says `false` (no Cache-Control header), or its own value.
   */
  cache?: string | false;
  /** Extra response headers, e.g. `{ 'referrer-policy': 'no-referrer' }` on a page whose address holds a token. */
  headers?: Record<string, string>;
}

export interface FormOptions {
  /** Rebuilds the rest of the page's model; without one it is `{ values, errors, params, query, action }`. */
  presenter?: Type<FormPresenter>;
  /** Catalog key of the `<title>`, when it is not the route's `@Page` title. */
  title?: string;
}

/** What the page flow knows of a route: its page (a GET, or a POST that renders) and its form (a POST). */
export interface PageRoute {
  page?: PageOptions & { view: string };
  form?: FormOptions & { view: string };
  layout: LayoutName;
}

/**
 * An HTML page: the handler returns its view model (or `redirect(...)`), and the page flow renders `view` in the
 * layout, as `text/html`, with `Cache-Control: no-store` unless `cache` says otherwise. Status 200 (a POST that
 * renders a page answers 200 too).
 *
 *     @Can('staff.manage') @Get() @Page('identity/staff', { title: 'identity.staff.title' })
 *     list() { return this.staffPage.list(); }
 */
export function Page(view: string, options: PageOptions = {}): MethodDecorator {
  return applyDecorators(SetMetadata(PAGE, { view, ...options }), HttpCode(200));
}

/** The layout of every page of a controller: `@Layout('console')`. */
export const Layout = (layout: LayoutName): ClassDecorator => SetMetadata(LAYOUT, layout);

/**
 * A form's POST. When the handler (or a service it calls) throws InvalidInput, or any domain error with `fields`,
 * the exception filter shows `view` (the form's page) again with that error's status (400, 429), `no-store`, each
 * problem beside its field in the reader's language and every value as typed (never a password). The presenter
 * rebuilds the rest of the model (lists, choices) from the request. Multipart bodies are read before the handler,
 * so `@Body()` has the fields (and files, as UploadedFile) either way. On success the handler returns
 * `redirect(...)`, or a model for its `@Page`.
 *
 *     @Post(':slug') @Form('roster/console-physician', { presenter: PhysicianPage })
 *     async save(@Param('slug') slug: string, @Body() body: FormBody) { ...; return redirect('/console/roster'); }
 */
export function Form(view: string, options: FormOptions = {}): MethodDecorator {
  return applyDecorators(SetMetadata(FORM, { view, ...options }), HttpCode(200));
}

/** What a presenter is given to show a refused form again. */
export interface RefusedForm {
  /** Route parameters (`:slug`) and query, as the request had them. */
  params: Record<string, string>;
  query: Record<string, string>;
  /** Where the form was posted (its path, no query): the `action` of the form shown again. */
  action: string;
  /** The fields as typed (no password, no CSRF token, no file). */
  values: Record<string, string | string[]>;
  /** Each problem beside its field, already in the reader's language. */
  errors: Record<string, string>;
}

/**
 * Rebuilds a page's model for a refused form: an injectable (a provider of the lib's module), so it can read what
 * the page lists. Its `values` and `errors` are the form's unless it returns its own.
 */
export interface FormPresenter {
  refused(form: RefusedForm): Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** A page handler's other answer: go there (303 See Other, the answer to a form POST). */
export class Redirect {
  constructor(
    readonly url: string,
    readonly status: 301 | 302 | 303 = 303,
  ) {}
}

export function redirect(url: string): Redirect {
  return new Redirect(url);
}

/** Where the page flow leaves a route's page metadata for the exception filter (the filter has no handler). */
export const PAGE_ROUTE = Symbol('consilium.pageRoute');

export type PageRequest = FastifyRequest & { [PAGE_ROUTE]?: PageRoute };

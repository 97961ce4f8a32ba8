import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';

export interface Page {
  status: number;
  text: string;
  location?: string;
  headers: Record<string, string>;
}

/** An app in this process, or a running process's base URL (`http://127.0.0.1:port`), or a function choosing one per request. */
export type WebTarget = NestFastifyApplication | string | (() => string);

/**
 * A browser-like client for one host: keeps that host's cookies (host-only, as a browser would) and sends the
 * CSRF token of the last page it saw with each form. Its target may change between requests (several instances
 * behind one host name).
 */
export class WebClient {
  readonly cookies = new Map<string, string>();
  private csrf?: string;

  constructor(
    readonly app: WebTarget,
    readonly host: string,
    /** Sent with every request, e.g. the X-Forwarded-For a proxy would add, or Accept-Language. */
    readonly headers: Record<string, string> = {},
  ) {}

  private server() {
    if (typeof this.app === 'string') return this.app;
    if (typeof this.app === 'function') return this.app();
    return this.app.getHttpServer();
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    const res = await request(this.server())
      .get(path)
      .set('Host', this.host)
      .set('Cookie', this.cookieHeader())
      .set({ ...this.headers, ...headers });
    return this.keep(res);
  }

  /** Posts a form; `_csrf` comes from the last page unless given. Arrays become repeated fields. */
  async post(
    path: string,
    form: Record<string, string | string[]> = {},
    options: { csrf?: string | false; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    const body = new URLSearchParams();
    const token = options.csrf === false ? undefined : (options.csrf ?? this.csrf);
    if (token) body.append('_csrf', token);
    for (const [key, value] of Object.entries(form)) for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
    const res = await request(this.server())
      .post(path)
      .set('Host', this.host)
      .set('Cookie', this.cookieHeader())
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set({ ...this.headers, ...options.headers })
      .send(body.toString());
    return this.keep(res);
  }

  /** GET the form page first (for its CSRF token), then post to it. */
  async submit(path: string, form: Record<string, string | string[]>, action = path): Promise<Page> {
    await this.get(path);
    return this.post(action, form);
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: request.Response): Page {
    const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...rest] = pair.split('=');
      const value = rest.join('=');
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || attributes.some((a) => /^\s*max-age=0/i.test(a));
      if (expired || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.text ?? '')?.[1];
    if (token) this.csrf = token;
    return { status: res.status, text: res.text ?? '', location: res.headers.location, headers: res.headers };
  }
}

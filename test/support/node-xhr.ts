import http from 'node:http';

/**
 * The little of XMLHttpRequest that dicomweb-client uses, over node:http, so that independent client runs in
 * Jest against a listening app exactly as it runs in a browser (it has no other transport). Node's own fetch
 * would not do: it refuses to send the Host header that picks the hospital.
 */
export class NodeXhr {
  readyState = 0;
  status = 0;
  response: unknown = null;
  responseType: '' | 'arraybuffer' | 'json' | 'text' = '';
  withCredentials = false;
  onreadystatechange: (() => void) | null = null;
  onloadstart: (() => void) | null = null;
  onloadend: (() => void) | null = null;
  onprogress: ((event: unknown) => void) | null = null;
  onerror: ((error: unknown) => void) | null = null;
  private method = 'GET';
  private url = '';
  private readonly headers: Record<string, string> = {};
  private responseHeaders: http.IncomingHttpHeaders = {};

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  getResponseHeader(name: string): string | null {
    const value = this.responseHeaders[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  getAllResponseHeaders(): string {
    return Object.entries(this.responseHeaders)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)
      .join('\r\n');
  }

  send(): void {
    this.onloadstart?.();
    const req = http.request(this.url, { method: this.method, headers: this.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        this.status = res.statusCode ?? 0;
        this.responseHeaders = res.headers;
        if (this.responseType === 'arraybuffer') this.response = body.buffer.slice(body.byteOffset, body.byteOffset + body.length);
        else if (this.responseType === 'json') this.response = body.length ? JSON.parse(body.toString('utf8')) : null;
        else this.response = body.toString('utf8');
        this.readyState = 4;
        this.onreadystatechange?.();
        this.onloadend?.();
      });
    });
    req.on('error', (error) => this.onerror?.(error));
    req.end();
  }
}

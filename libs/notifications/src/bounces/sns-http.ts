/**
 * The two HTTPS calls the SNS webhook makes: fetching a signing certificate and confirming a subscription. An
 * injectable seam: tests provide a locally generated certificate instead of AWS's.
 */
export interface SnsHttp {
  get(url: string): Promise<string>;
}

export const SNS_HTTP = Symbol('SNS_HTTP');

/** Plain GET with a timeout; redirects are refused, since the URL's host is what was checked. */
export const fetchSnsHttp: SnsHttp = {
  async get(url: string): Promise<string> {
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`GET ${new URL(url).host} answered ${response.status}`);
    return response.text();
  },
};

/** https://sns.<region>.amazonaws.com/... : the only place SNS certificates and subscription URLs may live. */
export function snsRegionOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' || parsed.port || parsed.username || parsed.password) return null;
  return /^sns\.([a-z0-9-]+)\.amazonaws\.com$/.exec(parsed.hostname)?.[1] ?? null;
}

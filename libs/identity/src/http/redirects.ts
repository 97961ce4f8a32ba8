/** Only same-site paths: `?next=https://evil.example` or `//evil.example` must not become an open redirect. */
export function safeNext(next: unknown, fallback: string): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : fallback;
}

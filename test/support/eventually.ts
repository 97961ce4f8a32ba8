/** Retries `check` until it passes or `timeoutMs` is over; then throws its last failure. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10000, intervalMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

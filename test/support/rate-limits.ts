/**
 * Every suite's requests come from 127.0.0.1, and suites run side by side against one database: limits kept per IP
 * would make one suite's sign-ins spend another's. Suites (in-process apps and spawned processes alike) therefore
 * raise the per-IP limits only; the limits per address and per person keep their production defaults (each suite
 * uses its own addresses and people), and the abuse-limit suites set their own, lower ones.
 */
export const TEST_RATE_LIMITS = '*.ip=1000000/1h';

/** Injection token for the list of migration classes the running code expects (readiness compares against it). */
export const MIGRATIONS = Symbol('MIGRATIONS');

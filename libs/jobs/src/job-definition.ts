/** What every job payload carries: the tenant whose transaction the handler runs in. */
export interface TenantJobPayload {
  tenantId: string;
}

/**
 * A kind of job: its queue name and how it is retried. Defined once, beside its handler, and used both to enqueue
 * (the options travel on each job row) and to run it.
 */
export interface JobDefinition<P extends TenantJobPayload = TenantJobPayload> {
  readonly name: string;
  /** Retries after the first attempt; when they are used up the job is kept as failed (a dead job). */
  readonly retryLimit: number;
  /** First retry delay; with backoff each later retry waits about twice as long (with jitter). */
  readonly retryDelaySeconds: number;
  readonly retryBackoff: boolean;
  /** How long one attempt may run. Past it the attempt is abandoned and, if its worker died, retried. */
  readonly expireInSeconds: number;
  /** Phantom field: carries the payload type to `enqueue` and the handler. */
  readonly __payload?: P;
}

const QUEUE_NAME = /^[a-z][a-z0-9-]{1,60}$/;
const registry = new Map<string, JobDefinition>();

export function defineJob<P extends TenantJobPayload>(definition: Omit<JobDefinition<P>, '__payload'>): JobDefinition<P> {
  if (!QUEUE_NAME.test(definition.name)) throw new Error(`Job name "${definition.name}" must be lower-case words joined by hyphens`);
  if (definition.expireInSeconds < 1 || definition.expireInSeconds >= 24 * 3600)
    throw new Error(`${definition.name}: expireInSeconds must be 1 s to 24 h`);
  const existing = registry.get(definition.name);
  if (existing && JSON.stringify(existing) !== JSON.stringify(definition)) {
    throw new Error(`Job "${definition.name}" is defined twice with different options`);
  }
  const frozen = Object.freeze({ ...definition });
  registry.set(definition.name, frozen);
  return frozen;
}

/** A definition by queue name, for callers that enqueue by name. */
export function jobDefinition(name: string): JobDefinition {
  const found = registry.get(name);
  if (!found) throw new Error(`Unknown job "${name}": define it with defineJob() in the lib that handles it`);
  return found;
}

import { DiscoveryService } from '@nestjs/core';
import { EntityManager } from 'typeorm';
import { EffectOutcome } from './effect-ledger';
import { JobDefinition, TenantJobPayload } from './job-definition';

/**
 * Marks a provider as the handler of one job: `@JobHandler(SEND_EMAIL_JOB) class SendEmailHandler { handle(job) }`.
 * The runner finds handlers by this decorator in every module of the process.
 */
export const JobHandler = DiscoveryService.createDecorator<JobDefinition>();

/** What a handler gets for one attempt. */
export interface JobContext<P extends TenantJobPayload> {
  id: string;
  name: string;
  tenantId: string;
  payload: P;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** A transaction for the job's tenant (TenantDatabase.forTenant with payload.tenantId): row-level security applies. */
  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T>;
  /** Performs `perform` unless an earlier attempt recorded `key` (see EffectLedger). `tx` must be this job's transaction. */
  once<T>(tx: EntityManager, key: string, perform: () => Promise<T>): Promise<EffectOutcome<T>>;
}

/** The returned object is stored on the completed job (pg-boss `output`): ids and outcomes only, never PHI. */
export interface JobHandlerInstance<P extends TenantJobPayload> {
  handle(job: JobContext<P>): Promise<Record<string, unknown> | void>;
}

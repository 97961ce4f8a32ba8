import { Injectable } from '@nestjs/common';
import { JobContext, JobHandler, JobHandlerInstance } from '@consilium/jobs';
import { RollupRefresher } from '../rollups/rollup-refresher';
import { REFRESH_ROLLUPS_JOB, RefreshRollupsPayload } from './refresh-rollups.job';

@Injectable()
@JobHandler(REFRESH_ROLLUPS_JOB)
export class RefreshRollupsHandler implements JobHandlerInstance<RefreshRollupsPayload> {
  constructor(private readonly refresher: RollupRefresher) {}

  async handle(job: JobContext<RefreshRollupsPayload>): Promise<Record<string, unknown>> {
    const report = await this.refresher.refresh(job.tenantId, { batchSize: 20000 });
    return { cases: report.cases, rebuilt: report.rebuilt };
  }
}

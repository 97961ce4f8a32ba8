import { defineJob } from '@consilium/jobs';

export interface RefreshRollupsPayload {
  tenantId: string;
}

/**
 * Brings a hospital's rollups up to date when a page view found more changes than it counts itself (after an upgrade,
 * a bulk import or a time zone change). A refresh is idempotent, so retries and duplicate jobs only find less to do.
 */
export const REFRESH_ROLLUPS_JOB = defineJob<RefreshRollupsPayload>({
  name: 'analytics-refresh',
  retryLimit: 5,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 3600,
});

export * from './effect-ledger';
export * from './failed-jobs';
export * from './job-definition';
export * from './job-errors';
export * from './job-handler.decorator';
export * from './job-queue';
export * from './job-runner';
export * from './jobs.module';

export * from './job-trace';
export * from './request-facts';
export * from './tracing';

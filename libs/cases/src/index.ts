export * from './case-state';
export * from './licensure-router';
export * from './state-machine';
export * from './case-pipeline.service';
export * from './case.entity';
export * from './cases.module';

export * from './case-state';
export * from './licensure-router';
export * from './state-machine';

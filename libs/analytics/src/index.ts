export * from './analytics.module';
export * from './analytics.service';
export * from './dashboard';
export * from './format';
export * from './period';
export * from './rollups/case-facts.sql';
export * from './rollups/metrics-reader';
export * from './rollups/rollup-refresher';

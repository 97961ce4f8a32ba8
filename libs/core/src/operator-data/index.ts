// `@consilium/core/operator-data`: the only way in to the operator data path. See operator-data.module.ts.
export * from './operator-data.module';
export * from './operator-database';

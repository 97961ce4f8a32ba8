export * from './audit-log.service';
export * from './audited';
export * from './audit.module';
export * from './audit-query.service';

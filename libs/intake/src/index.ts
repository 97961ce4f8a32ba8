export * from './intake.module';
export * from './record-requests.service';
export * from './wizard/consent-documents';
export * from './wizard/intake-drafts.service';
export * from './wizard/intake-form';
export * from './wizard/intake-planner';

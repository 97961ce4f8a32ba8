export * from './delivered-opinions.service';
export * from './opinion-delivery.service';
export * from './opinion-editor.service';
export * from './opinion-letter';
export * from './opinion.entity';
export * from './opinions.module';

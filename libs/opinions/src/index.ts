export * from './opinion-delivery.service';
export * from './opinion-editor.service';
export * from './opinion-letter';
export * from './opinion.entity';
export * from './opinions.module';
export * from './translation/machine-translator';
export * from './translation/opinion-translation.entity';
export * from './translation/opinion-translations.service';

export * from './integrations.module';
export * from './openapi/api-document.service';
export * from './webhooks/webhook-catalog';
export * from './webhooks/webhooks.module';

export * from './request-facts';

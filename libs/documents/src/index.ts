export * from './branded-pdf';

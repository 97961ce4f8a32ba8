export * from './branded-pdf';
export * from './pdf-signature';

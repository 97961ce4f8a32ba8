/**
 * Building blocks the public API does not need, exported for tests that stage states a request cannot (an
 * uploaded file whose job has not run yet). Not re-exported from index.ts.
 */
export { RecordIngestor } from './record-ingestor';
export { RecordRegistrar } from './record-registrar';

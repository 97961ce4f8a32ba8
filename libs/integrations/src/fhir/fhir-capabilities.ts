import type { CapabilityStatement } from '@medplum/fhirtypes';

/** The resources of a case's export that can be read by id; the others are read in their Bundle. */
export const FHIR_READABLE = ['ServiceRequest', 'DiagnosticReport', 'DocumentReference', 'Provenance'] as const;

/** When what this endpoint can do last changed (CapabilityStatement.date): bump it with the list below. */
const CAPABILITIES_CHANGED = '2026-12-07';

/**
 * What this FHIR endpoint does (GET /api/v1/fhir/metadata): read a delivered case's Bundle, and create an Encounter
 * or Procedure that references a case's ServiceRequest (a conversion). Auth is the API's (SMART-less bearer).
 */
export function capabilityStatement(base: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: CAPABILITIES_CHANGED,
    kind: 'instance',
    software: { name: 'Consilium' },
    implementation: { description: 'Consilium integration API, FHIR R4', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth' }] }],
        },
        resource: [
          { type: 'Bundle', interaction: [{ code: 'read' }] },
          ...FHIR_READABLE.map((type) => ({ type, interaction: [{ code: 'read' as const }] })),
          { type: 'Encounter', interaction: [{ code: 'create' }] },
          { type: 'Procedure', interaction: [{ code: 'create' }] },
        ],
      },
    ],
  };
}

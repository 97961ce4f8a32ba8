import type { CapabilityStatement } from '@medplum/fhirtypes';

/**
 * What this FHIR endpoint does (GET /api/v1/fhir/metadata): read a delivered case's Bundle, and create an Encounter
 * or Procedure that references a case's ServiceRequest (a conversion). Auth is the API's (SMART-less bearer).
 */
export function capabilityStatement(base: string, date: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
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
          { type: 'Encounter', interaction: [{ code: 'create' }] },
          { type: 'Procedure', interaction: [{ code: 'create' }] },
        ],
      },
    ],
  };
}

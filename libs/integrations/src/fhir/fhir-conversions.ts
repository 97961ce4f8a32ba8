import { InvalidInput, msg } from '@consilium/core';
import type { Encounter, Procedure, Reference } from '@medplum/fhirtypes';
import { UUID } from '../api/api-input';
import type { ConversionRequest } from '../api/api-conversions.service';
import { fhirIssues } from './fhir-validator';

export type ConversionResourceType = 'Encounter' | 'Procedure';

/** An Encounter or Procedure that came back from the hospital, read as the conversion it records. */
export interface FhirConversion {
  caseId: string;
  request: ConversionRequest;
  /** The resource's own business identifier (`system|value`), the idempotency key when no header is sent. */
  identifier: string | null;
}

const ENCOUNTER_BOOKED = new Set(['planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished']);
const PROCEDURE_KINDS: Record<string, string> = {
  preparation: 'procedure_scheduled',
  'in-progress': 'procedure_scheduled',
  'on-hold': 'procedure_scheduled',
  completed: 'procedure_done',
};

/**
 * Reads a posted Encounter (a visit booked or held) or Procedure (scheduled or done): first against the official R4
 * definition (each problem at its FHIRPath), then what a conversion needs: `basedOn` a case's ServiceRequest, a
 * status that says it happens, and when. Every refusal names the element, so the sender knows what to fix.
 */
export function readConversion(type: ConversionResourceType, body: unknown): FhirConversion {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidInput({ [type]: msg('integrations.fhir.notResource', { type }) });
  }
  const resource = body as Encounter | Procedure;
  if (resource.resourceType !== type) {
    throw new InvalidInput({ [`${type}.resourceType`]: msg('integrations.fhir.resourceType', { type }) });
  }
  const issues = fhirIssues(resource);
  if (issues.length) {
    throw new InvalidInput(
      Object.fromEntries(
        issues.map((issue) => [
          issue.expression?.[0] ?? type,
          msg('integrations.fhir.invalidElement', { detail: issue.details?.text ?? issue.diagnostics ?? '' }),
        ]),
      ),
    );
  }
  const caseId = serviceRequestCase(resource.basedOn);
  if (!caseId) throw new InvalidInput({ [`${type}.basedOn`]: msg('integrations.fhir.basedOn') });
  const identifier = resource.identifier?.find((i) => i.value);
  return {
    caseId,
    request: type === 'Encounter' ? encounterConversion(resource as Encounter) : procedureConversion(resource as Procedure),
    identifier: identifier ? `${identifier.system ?? ''}|${identifier.value}` : null,
  };
}

/** `ServiceRequest/<case id>`, relative or absolute (the Bundle's fullUrl). */
function serviceRequestCase(basedOn: Reference[] | undefined): string | null {
  for (const ref of basedOn ?? []) {
    const match = /(?:^|\/)ServiceRequest\/([0-9a-f-]{36})$/i.exec(ref.reference ?? '');
    if (match && UUID.test(match[1])) return match[1].toLowerCase();
  }
  return null;
}

function encounterConversion(encounter: Encounter): ConversionRequest {
  if (!ENCOUNTER_BOOKED.has(encounter.status)) {
    throw new InvalidInput({ 'Encounter.status': msg('integrations.fhir.status', { values: [...ENCOUNTER_BOOKED].join(', ') }) });
  }
  return { kind: 'consult_booked', occurredOn: day(encounter.period?.start, 'Encounter.period.start') };
}

function procedureConversion(procedure: Procedure): ConversionRequest {
  const kind = PROCEDURE_KINDS[procedure.status];
  if (!kind) {
    throw new InvalidInput({ 'Procedure.status': msg('integrations.fhir.status', { values: Object.keys(PROCEDURE_KINDS).join(', ') }) });
  }
  const when = procedure.performedDateTime ?? procedure.performedPeriod?.start;
  return { kind, occurredOn: day(when, 'Procedure.performed[x]') };
}

/** The day of a FHIR dateTime as the hospital wrote it (its local date; a bare year or month is not a day). */
function day(value: string | undefined, path: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})/.exec(value ?? '');
  if (!match) throw new InvalidInput({ [path]: msg('integrations.fhir.when') });
  return match[1];
}

import type { ConsentGiven } from '@consilium/cases';
import type { DeliveredOpinion } from '@consilium/opinions';
import type { DocumentSigner } from '@consilium/roster';
import type {
  Bundle,
  CodeableConcept,
  Consent,
  DiagnosticReport,
  DocumentReference,
  Extension,
  Patient,
  Practitioner,
  PractitionerRole,
  Provenance,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';

/** Our own code systems and identifiers: URNs, so nothing suggests a page that does not exist. */
export const FHIR_SYSTEMS = {
  caseNumber: 'urn:consilium:case-number',
  license: 'urn:consilium:physician-license',
  qualification: 'urn:consilium:qualification',
  agreement: 'urn:consilium:diagnosis-agreement',
  consentKind: 'urn:consilium:consent-kind',
  consentTextSha256: 'urn:consilium:consent-text-sha256',
  opinionPart: 'urn:consilium:fhir:opinion',
} as const;

/** LOINC 11488-4 "Consult note": the opinion and its letter are the consultant's note. */
const CONSULT_NOTE: CodeableConcept = { coding: [{ system: 'http://loinc.org', code: '11488-4' }] };
/** LOINC 59284-0 "Patient Consent". */
const PATIENT_CONSENT: CodeableConcept = { coding: [{ system: 'http://loinc.org', code: '59284-0' }] };

/** What a delivered case's export is made of, read through each owner's service. */
export interface CaseExportFacts extends DeliveredOpinion {
  patient: { name: string; email: string };
  consents: ConsentGiven[];
  signer: DocumentSigner | null;
}

/**
 * A delivered case as a FHIR R4 `collection` Bundle: the patient, the signing physician and their role (licenses as
 * qualifications), the opinion requested (ServiceRequest, id = the case id, which conversions reference), the
 * structured opinion (DiagnosticReport, id = the signed version), the signed letter (DocumentReference), each consent
 * given, and who signed what when (Provenance). `base` is this API's FHIR base URL on the hospital's host.
 */
export function caseBundle(facts: CaseExportFacts, base: string): Bundle {
  const { case: c, opinion, letter } = facts;
  const signedAt = opinion.signedAt!.toISOString();
  const physicianId = facts.signer?.id ?? opinion.signedBy!;
  const patientRef = { reference: `Patient/${c.patientId}` };
  const practitionerRef = { reference: `Practitioner/${physicianId}` };
  const roleRef = { reference: `PractitionerRole/${physicianId}` };
  const requestRef = { reference: `ServiceRequest/${c.id}` };
  const reportRef = { reference: `DiagnosticReport/${opinion.id}` };
  const letterRef = { reference: `DocumentReference/${opinion.id}` };

  const patient: Patient = {
    resourceType: 'Patient',
    id: c.patientId,
    name: [{ text: facts.patient.name }],
    telecom: [{ system: 'email', value: facts.patient.email }],
  };
  const qualification: NonNullable<Practitioner['qualification']> = [
    ...(facts.signer?.credentials
      ? [{ code: { coding: [{ system: FHIR_SYSTEMS.qualification, code: 'credentials' }], text: facts.signer.credentials } }]
      : []),
    ...(facts.signer?.licenses ?? []).map((l) => ({
      identifier: [{ system: FHIR_SYSTEMS.license, value: `${l.jurisdiction}:${l.number}` }],
      code: { coding: [{ system: FHIR_SYSTEMS.qualification, code: 'license' }], text: l.jurisdiction },
      period: { end: l.expiresOn },
    })),
  ];
  const practitioner: Practitioner = {
    resourceType: 'Practitioner',
    id: physicianId,
    ...(facts.signer ? { name: [{ text: facts.signer.name }] } : {}),
    // FHIR has no empty arrays: a physician with neither credentials nor licenses on the roster has no qualification.
    ...(qualification.length ? { qualification } : {}),
  };
  const role: PractitionerRole = {
    resourceType: 'PractitionerRole',
    id: physicianId,
    active: true,
    practitioner: practitionerRef,
    code: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor' }] }],
  };
  const serviceRequest: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: c.id,
    identifier: [{ system: FHIR_SYSTEMS.caseNumber, value: c.number }],
    status: 'completed',
    intent: 'order',
    code: CONSULT_NOTE,
    subject: patientRef,
    requester: patientRef,
    performer: [roleRef],
    ...(c.submittedAt ? { authoredOn: c.submittedAt.toISOString() } : {}),
    ...(c.diagnosis ? { reasonCode: [{ text: c.diagnosis }] } : {}),
    ...(c.questions.length ? { note: c.questions.map((text) => ({ text })) } : {}),
  };
  const parts: [string, string][] = [
    ['recommendations', opinion.recommendations],
    ['alternatives', opinion.alternatives],
    ['clinical-trials', opinion.clinicalTrials],
    ['patient-summary', opinion.patientSummary],
  ];
  const extension: Extension[] = [
    ...parts.filter(([, text]) => text).map(([part, text]) => ({ url: `${FHIR_SYSTEMS.opinionPart}:${part}`, valueMarkdown: text })),
    ...opinion.answers.map((a) => ({
      url: `${FHIR_SYSTEMS.opinionPart}:answer`,
      extension: [
        { url: 'question', valueString: a.question },
        { url: 'answer', valueMarkdown: a.answer },
      ],
    })),
    ...(opinion.treatmentChanged === null
      ? []
      : [{ url: `${FHIR_SYSTEMS.opinionPart}:treatment-changed`, valueBoolean: opinion.treatmentChanged }]),
  ];
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: opinion.id,
    ...(extension.length ? { extension } : {}),
    basedOn: [requestRef],
    status: opinion.version > 1 ? 'amended' : 'final',
    code: CONSULT_NOTE,
    subject: patientRef,
    effectiveDateTime: signedAt,
    issued: signedAt,
    performer: [roleRef],
    resultsInterpreter: [practitionerRef],
    ...(opinion.diagnosisNote ? { conclusion: opinion.diagnosisNote } : {}),
    ...(opinion.diagnosisAgreement
      ? { conclusionCode: [{ coding: [{ system: FHIR_SYSTEMS.agreement, code: opinion.diagnosisAgreement }] }] }
      : {}),
  };
  const document: DocumentReference | null = letter
    ? {
        resourceType: 'DocumentReference',
        id: opinion.id,
        status: 'current',
        docStatus: 'final',
        type: CONSULT_NOTE,
        subject: patientRef,
        date: signedAt,
        author: [roleRef],
        authenticator: practitionerRef,
        content: [
          {
            attachment: {
              contentType: 'application/pdf',
              url: `${base.replace(/\/fhir$/, '')}/cases/${c.id}/opinion/letter.pdf`,
              size: letter.sizeBytes,
              creation: letter.createdAt.toISOString(),
            },
          },
        ],
        context: { related: [requestRef, reportRef] },
      }
    : null;
  const consents: Consent[] = facts.consents.map((given) => ({
    resourceType: 'Consent',
    id: `${given.kind.replace(/_/g, '-')}-${c.id}`,
    identifier: [{ system: FHIR_SYSTEMS.consentTextSha256, value: given.textSha256 }],
    status: 'active',
    scope: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/consentscope',
          code: given.kind === 'records_authorization' ? 'patient-privacy' : 'treatment',
        },
      ],
    },
    category: [PATIENT_CONSENT, { coding: [{ system: FHIR_SYSTEMS.consentKind, code: given.kind }] }],
    patient: patientRef,
    dateTime: given.acceptedAt.toISOString(),
    performer: [patientRef],
    policy: [{ uri: `urn:consilium:consent:${given.kind}:${given.version}` }],
    provision: { data: [{ meaning: 'related', reference: requestRef }] },
  }));
  const provenance: Provenance = {
    resourceType: 'Provenance',
    id: opinion.id,
    target: [reportRef, ...(document ? [letterRef] : [])],
    recorded: signedAt,
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' }] },
        who: practitionerRef,
      },
    ],
    signature: [
      {
        type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.1' }],
        when: signedAt,
        who: practitionerRef,
        sigFormat: 'application/pdf',
      },
    ],
  };
  const resources: Resource[] = [
    patient,
    practitioner,
    role,
    serviceRequest,
    report,
    ...(document ? [document] : []),
    ...consents,
    provenance,
  ];
  return {
    resourceType: 'Bundle',
    id: c.id,
    type: 'collection',
    timestamp: new Date().toISOString(),
    entry: resources.map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource })),
  };
}

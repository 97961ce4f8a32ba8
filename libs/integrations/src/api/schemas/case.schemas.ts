import { CASE_STATES } from '@consilium/cases';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The shapes of /api/v1 responses and bodies as the OpenAPI document shows them. Controllers return plain objects
 * of these shapes; the classes exist for the document (and so the document is generated from the same code).
 */

const ROUTES = ['direct', 'physician_to_physician', 'educational', 'declined'];

export class CaseSummarySchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: "The hospital's readable number, e.g. LKS-2026-000123.", example: 'LKS-2026-000123' }) number: string;
  @ApiProperty({ enum: CASE_STATES, enumName: 'CaseState' }) state: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true, description: 'The opinion requested (catalog offering).' })
  offeringId: string | null;
  @ApiProperty({ format: 'uuid', description: "The patient's account at this hospital." }) patientId: string;
  @ApiProperty({ type: String, nullable: true, description: 'Where the patient lives: US-XX or a country code.', example: 'US-IL' })
  jurisdiction: string | null;
  @ApiProperty({ enum: ROUTES, enumName: 'LicensureRoute', nullable: true, description: 'The licensure route in force.' })
  route: string | null;
  @ApiProperty({ format: 'uuid', type: String, nullable: true, description: "The assigned physician's staff account." })
  assignedPhysicianAccountId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) submittedAt: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) acceptedAt: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) deliveredAt: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) closedAt: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true, description: "The review's due date, once assigned." })
  dueAt: string | null;
  @ApiProperty({ format: 'date-time', description: 'When anything last happened to the case (every timeline event moves it).' })
  updatedAt: string;
}

export class CasePageSchema {
  @ApiProperty({ type: [CaseSummarySchema] }) data: CaseSummarySchema[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page. Also in the Link header (rel="next").',
  })
  nextCursor: string | null;
}

export class TimelineEventSchema {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({
    example: 'accept',
    description: 'A move of the pipeline (submit, accept, deliver...) or another event (message, records_uploaded...).',
  })
  type: string;
  @ApiProperty({ type: String, nullable: true }) fromState: string | null;
  @ApiProperty({ type: String, nullable: true }) toState: string | null;
  @ApiProperty({ enum: ['patient', 'staff', 'local_physician', 'api_key', 'system'], description: 'Who did it.' }) actorKind: string;
  @ApiProperty({ type: String, nullable: true, description: "A staff member's name; null for others." }) actorName: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Facts of the event (ids, counts, reasons).' })
  data: Record<string, unknown>;
}

export class DicomSummarySchema {
  @ApiProperty({ type: String, nullable: true }) modality: string | null;
  @ApiProperty({ type: String, nullable: true }) bodyPart: string | null;
  @ApiProperty({ type: String, nullable: true }) studyDate: string | null;
  @ApiProperty({ type: String, nullable: true }) studyDescription: string | null;
  @ApiProperty({ type: String, nullable: true }) seriesDescription: string | null;
}

export class RecordFileSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true, description: 'The archive this file was expanded from.' })
  parentId: string | null;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['uploaded', 'processing', 'ready', 'rejected'] }) status: string;
  @ApiProperty({ type: String, nullable: true, description: 'The type judged from the bytes (pdf, dicom, zip, jpeg...).' })
  type: string | null;
  @ApiProperty({ type: Number, nullable: true }) sizeBytes: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'SHA-256 of the bytes received, hex.' }) sha256: string | null;
  @ApiProperty({ type: String, nullable: true }) rejectionCode: string | null;
  @ApiProperty({ type: DicomSummarySchema, nullable: true }) dicom: DicomSummarySchema | null;
  @ApiProperty({ format: 'date-time' }) uploadedAt: string;
}

export class PatientSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'email' }) email: string;
}

export class LocalPhysicianSchema {
  @ApiProperty() name: string;
  @ApiProperty({ format: 'email' }) email: string;
  @ApiPropertyOptional() phone?: string;
  @ApiPropertyOptional({ description: 'US National Provider Identifier.' }) npi?: string;
}

export class RecordRequestRefSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['open', 'sent', 'received', 'closed'] }) status: string;
  @ApiProperty() providerName: string;
  @ApiProperty({ format: 'date-time' }) signedAt: string;
}

export class CaseLinksSchema {
  @ApiProperty({ example: '/api/v1/cases/7d0c.../opinion' }) opinion: string;
  @ApiProperty() conversions: string;
  @ApiProperty({ description: 'The FHIR R4 Bundle of the delivered case (404 before delivery).' }) fhirBundle: string;
}

export class CaseDetailSchema extends CaseSummarySchema {
  @ApiProperty({ type: PatientSchema }) patient: PatientSchema;
  @ApiProperty({ type: [String], description: "The patient's questions, in their words." }) questions: string[];
  @ApiProperty({ type: String, nullable: true }) diagnosis: string | null;
  @ApiProperty({ type: String, nullable: true }) proposedTreatment: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: "Answers to the offering's intake questions." })
  intakeAnswers: Record<string, string>;
  @ApiProperty({ type: LocalPhysicianSchema, nullable: true, description: "The patient's own physician, when named." })
  localPhysician: LocalPhysicianSchema | null;
  @ApiProperty({ type: [TimelineEventSchema] }) timeline: TimelineEventSchema[];
  @ApiProperty({ type: [RecordFileSchema], description: "The case's files (never their bytes)." }) records: RecordFileSchema[];
  @ApiProperty({ type: [RecordRequestRefSchema] }) recordRequests: RecordRequestRefSchema[];
  @ApiProperty({ type: CaseLinksSchema }) links: CaseLinksSchema;
}

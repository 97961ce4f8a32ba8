import { API_KEY_SCOPES } from '@consilium/identity';
import { RECORD_REQUEST_STATUSES } from '@consilium/intake';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export const CONVERSION_KIND_VALUES = ['consult_booked', 'procedure_scheduled', 'procedure_done'];

export class ProblemFieldSchema {
  @ApiPropertyOptional({ description: 'JSON pointer of a body member that needs fixing.', example: '#/kind' }) pointer?: string;
  @ApiPropertyOptional({ description: 'Query parameter or header that needs fixing.', example: 'state' }) parameter?: string;
  @ApiProperty({ description: 'What to send instead.' }) detail: string;
}

/** RFC 9457. */
export class ProblemSchema {
  @ApiProperty({
    description: 'urn:consilium:problem:<code>, or about:blank for a bare HTTP status.',
    example: 'urn:consilium:problem:invalid_input',
  })
  type: string;
  @ApiProperty({ description: 'What went wrong.' }) title: string;
  @ApiProperty() status: number;
  @ApiPropertyOptional({ description: 'What to do about it.' }) detail?: string;
  @ApiProperty({ description: 'The path that was called.' }) instance: string;
  @ApiProperty({ description: 'Stable code to match on.', example: 'scope_missing' }) code: string;
  @ApiPropertyOptional({ type: [ProblemFieldSchema] }) errors?: ProblemFieldSchema[];
  @ApiProperty({ description: 'Quote it when asking for help.' }) requestId: string;
}

export class TokenResponseSchema {
  @ApiProperty({ description: 'Send as "Authorization: Bearer <access_token>".' }) access_token: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type: string;
  @ApiProperty({ description: 'Seconds until it expires.', example: 3600 }) expires_in: number;
  @ApiProperty({ description: 'Space-separated scopes granted.', example: 'cases.read opinions.read' }) scope: string;
}

export class TokenRequestSchema {
  @ApiProperty({ enum: ['client_credentials'] }) grant_type: string;
  @ApiPropertyOptional({ description: 'Or send id and secret with HTTP Basic authentication.' }) client_id?: string;
  @ApiPropertyOptional() client_secret?: string;
  @ApiPropertyOptional({ description: `Space-separated subset of the client's scopes: ${API_KEY_SCOPES.join(', ')}.` }) scope?: string;
}

export class OAuthErrorSchema {
  @ApiProperty({ enum: ['invalid_request', 'invalid_client', 'unsupported_grant_type', 'invalid_scope'] }) error: string;
  @ApiProperty() error_description: string;
}

export class OpinionAnswerSchema {
  @ApiProperty() question: string;
  @ApiProperty() answer: string;
}

export class OpinionLetterSchema {
  @ApiProperty({ description: 'GET it for the signed PDF.' }) url: string;
  @ApiProperty({ enum: ['application/pdf'] }) contentType: string;
  @ApiProperty() sizeBytes: number;
  @ApiProperty({ description: 'SHA-256 of the PDF, hex: the letter as delivered to the patient.' }) sha256: string;
}

export class OpinionSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ description: 'Amendments are new versions; this is the latest signed one.' }) version: number;
  @ApiProperty({ format: 'date-time' }) signedAt: string;
  @ApiProperty({ format: 'uuid', description: "The signing physician's staff account." }) signedByAccountId: string;
  @ApiProperty({ enum: ['confirmed', 'refined', 'changed'] }) diagnosisAgreement: string;
  @ApiProperty() treatmentChanged: boolean;
  @ApiProperty() diagnosisNote: string;
  @ApiProperty() recommendations: string;
  @ApiProperty() alternatives: string;
  @ApiProperty() clinicalTrials: string;
  @ApiProperty({ type: [OpinionAnswerSchema] }) answers: OpinionAnswerSchema[];
  @ApiProperty({ description: 'The plain-language summary written for the patient.' }) patientSummary: string;
  @ApiProperty({ type: String, nullable: true }) amendmentReason: string | null;
  @ApiProperty({ type: OpinionLetterSchema, nullable: true }) letter: OpinionLetterSchema | null;
}

export class ConversionInputSchema {
  @ApiProperty({ enum: CONVERSION_KIND_VALUES }) kind: string;
  @ApiProperty({ format: 'date', example: '2026-03-31', description: 'When it happened (or is scheduled), in the hospital.' })
  occurredOn: string;
  @ApiPropertyOptional({ example: '12500.00', description: "Its value in the hospital's currency, major units, no sign." }) value?: string;
}

export class ConversionSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ enum: CONVERSION_KIND_VALUES }) kind: string;
  @ApiProperty({ format: 'date' }) occurredOn: string;
  @ApiProperty({ type: String, nullable: true, example: '12500.00' }) value: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'USD' }) currency: string | null;
  @ApiProperty({ enum: ['manual', 'import', 'api'] }) source: string;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
}

export class ConversionListSchema {
  @ApiProperty({ type: [ConversionSchema] }) data: ConversionSchema[];
}

export class RecordRequestSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ enum: RECORD_REQUEST_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) statusChangedAt: string;
  @ApiProperty({ description: 'Who holds the records.' }) providerName: string;
  @ApiProperty() providerContact: string;
  @ApiProperty() recordsDescribed: string;
  @ApiProperty({ type: String, format: 'date', nullable: true }) dateFrom: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) dateTo: string | null;
  @ApiProperty() patientLegalName: string;
  @ApiProperty({ format: 'date' }) patientBirthDate: string;
  @ApiProperty({ description: 'The typed signature.' }) signedName: string;
  @ApiProperty({ format: 'date-time' }) signedAt: string;
  @ApiProperty({ format: 'date', description: 'The authorization expires at the end of this day.' }) expiresOn: string;
  @ApiProperty({ description: 'GET it for the signed authorization (PDF) to send to the provider.' }) authorizationUrl: string;
}

export class RecordRequestPageSchema {
  @ApiProperty({ type: [RecordRequestSchema] }) data: RecordRequestSchema[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class RecordRequestStatusInputSchema {
  @ApiProperty({ enum: ['sent', 'received', 'closed'], description: 'sent: asked the provider; received: records arrived; closed: done.' })
  status: string;
}

export class AnalyticsTableRefSchema {
  @ApiProperty({ example: 'funnel' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty({ description: 'GET it as CSV (the dashboard export) or JSON.' }) url: string;
}

export class AnalyticsTablesSchema {
  @ApiProperty({ type: [AnalyticsTableRefSchema] }) data: AnalyticsTableRefSchema[];
}

export class AnalyticsTableSchema {
  @ApiProperty() id: string;
  @ApiProperty() title: string;
  @ApiProperty({ example: { from: '2026-01-01', to: '2026-03-31' } }) period: { from: string; to: string };
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ type: [String] }) columns: string[];
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: ['string', 'number', 'null'] } },
    description: 'The CSV export as values: text, numbers (money in major units as text), null when not measured.',
  })
  rows: (string | number | null)[][];
}

import { applyDecorators, Body, Get, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { ApiBody, ApiHeader, ApiParam, ApiProduces, ApiResponse } from '@nestjs/swagger';
import type { Bundle, CapabilityStatement, Encounter, Procedure, Resource } from '@medplum/fhirtypes';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiController } from '../../api/api-controller.decorator';
import { ApiScope } from '../../api/api-route.decorators';
import { capabilityStatement, FHIR_READABLE } from '../fhir-capabilities';
import { ConversionResourceType } from '../fhir-conversions';
import { FhirExport } from '../fhir-export.service';

const FHIR_JSON = 'application/fhir+json';

const OUTCOME_WORDS: Record<number, string> = {
  400: 'Not valid: an OperationOutcome with one issue per element, its FHIRPath in `expression`.',
  401: 'No credential, or one that is revoked, expired or for another hospital.',
  403: 'The credential lacks the scope this call needs.',
  404: "Not found (or not delivered yet): also what another hospital's id answers.",
  422: 'The Idempotency-Key (or identifier) was used before with a different resource.',
};

/** FHIR answers and errors are FHIR resources (application/fhir+json), described by their R4 type name. */
function FhirResponses(ok: { status: number; type: string; description: string }, ...errors: number[]) {
  const resource = (type: string) => ({ [FHIR_JSON]: { schema: { type: 'object', description: `A FHIR R4 ${type}.` } } });
  return applyDecorators(
    ApiProduces(FHIR_JSON),
    ApiResponse({ status: ok.status, description: ok.description, content: resource(ok.type) }),
    ...errors.map((status) => ApiResponse({ status, description: OUTCOME_WORDS[status], content: resource('OperationOutcome') })),
  );
}

function base(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/api/v1/fhir`;
}

@ApiController('api/v1/fhir', 'FHIR R4')
export class ApiFhirController {
  constructor(private readonly fhir: FhirExport) {}

  @Get('metadata')
  @ApiScope('api.access', { summary: 'CapabilityStatement', description: 'What this FHIR R4 endpoint reads and accepts.' })
  @FhirResponses({ status: 200, type: 'CapabilityStatement', description: 'The CapabilityStatement.' }, 401)
  metadata(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): CapabilityStatement {
    reply.header('content-type', `${FHIR_JSON}; charset=utf-8`);
    return capabilityStatement(base(request));
  }

  @Get('Bundle/:id')
  @ApiScope('opinions.read', {
    summary: 'Export a delivered case as a FHIR Bundle',
    description:
      'A `collection` Bundle: Patient, Practitioner and PractitionerRole of the signing physician (licenses as qualifications), ServiceRequest (id = the case id), DiagnosticReport (the structured opinion), DocumentReference (the signed PDF letter), a Consent per consent given, and Provenance. 404 before delivery.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The case.' })
  @FhirResponses({ status: 200, type: 'Bundle', description: 'The Bundle.' }, 401, 403, 404)
  @Audited({ action: 'api.fhir.bundle', entityType: 'case', param: 'id' })
  async bundle(
    @Param('id') caseId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Bundle> {
    const bundle = await this.fhir.bundle(caseId, base(request));
    reply.header('content-type', `${FHIR_JSON}; charset=utf-8`);
    return bundle;
  }

  @Get(':type/:id')
  @ApiScope('opinions.read', {
    summary: 'Read one resource of a delivered case',
    description:
      '`ServiceRequest/<case id>` (or `ServiceRequest/referral-<id>`: an appointment request after the opinion), or `DiagnosticReport`, `DocumentReference` or `Provenance` by the id of a signed opinion version: the same resource as in the Bundle. Patient, Practitioner, PractitionerRole and Consent are read in the Bundle.',
  })
  @ApiParam({ name: 'type', enum: FHIR_READABLE, description: 'The resource type.' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The case id (ServiceRequest) or the signed version id.' })
  @FhirResponses({ status: 200, type: 'resource', description: 'The resource.' }, 401, 403, 404)
  @Audited({ action: 'api.fhir.read', entityType: 'fhir_resource', param: 'id' })
  async read(
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Resource> {
    const resource = await this.fhir.read(type, id, base(request));
    reply.header('content-type', `${FHIR_JSON}; charset=utf-8`);
    return resource;
  }

  @Post('Encounter')
  @HttpCode(201)
  @ConversionRoute(
    'Encounter',
    'A visit booked or held (status planned … finished) records a `consult_booked` conversion on `period.start`.',
  )
  @Audited({ action: 'api.fhir.encounter', entityType: 'case' })
  encounter(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.record('Encounter', body, key, request, reply);
  }

  @Post('Procedure')
  @HttpCode(201)
  @ConversionRoute(
    'Procedure',
    'A procedure in preparation, in progress or on hold records `procedure_scheduled`; a completed one `procedure_done`, on `performedDateTime` (or `performedPeriod.start`).',
  )
  @Audited({ action: 'api.fhir.procedure', entityType: 'case' })
  procedure(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.record('Procedure', body, key, request, reply);
  }

  private async record(
    type: ConversionResourceType,
    body: unknown,
    key: string | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<Encounter | Procedure> {
    const { resource, replayed } = await this.fhir.record(type, body, key);
    reply.header('content-type', `${FHIR_JSON}; charset=utf-8`).header('location', `${base(request)}/${type}/${resource.id}`);
    if (replayed) reply.header('idempotency-replayed', 'true');
    return resource;
  }
}

function ConversionRoute(type: ConversionResourceType, description: string) {
  return applyDecorators(
    ApiScope('conversions.record', {
      summary: `Record a conversion as a FHIR ${type}`,
      description: `${description} It must reference the case as \`basedOn: [{ "reference": "ServiceRequest/<case id>" }]\`. Retries are safe: the same Idempotency-Key (or, without one, the same identifier) answers the conversion recorded the first time.`,
    }),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Unique per conversion; without it the resource needs an identifier.',
    }),
    ApiBody({ description: `A FHIR R4 ${type}.`, schema: { type: 'object' } }),
    FhirResponses({ status: 201, type, description: `The ${type} as recorded; its id is the conversion's.` }, 400, 401, 403, 404, 422),
  );
}

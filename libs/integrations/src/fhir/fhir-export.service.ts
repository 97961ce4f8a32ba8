import { Injectable } from '@nestjs/common';
import { CaseReview, Referrals } from '@consilium/cases';
import { InvalidInput, msg, NotFound } from '@consilium/core';
import { DeliveredOpinion, DeliveredOpinions } from '@consilium/opinions';
import { PhysicianAccounts } from '@consilium/roster';
import { createHash } from 'node:crypto';
import type { Bundle, Encounter, Procedure, Resource } from '@medplum/fhirtypes';
import { UUID } from '../api/api-input';
import { ApiConversions } from '../api/api-conversions.service';
import { caseBundle } from './fhir-bundle';
import { referralServiceRequest } from './fhir-referral';
import { FHIR_READABLE } from './fhir-capabilities';
import { ConversionResourceType, readConversion } from './fhir-conversions';

const READABLE = new Set<string>(FHIR_READABLE);

/**
 * The FHIR face of the API: a delivered case read through each owner's service (the opinion and its access check,
 * the case's patient and consents, the roster's signer) and written as a Bundle; and conversions that come back as
 * Encounter or Procedure, recorded through the same idempotent path as POST /cases/{id}/conversions.
 */
@Injectable()
export class FhirExport {
  constructor(
    private readonly opinions: DeliveredOpinions,
    private readonly review: CaseReview,
    private readonly physicians: PhysicianAccounts,
    private readonly conversions: ApiConversions,
    private readonly referrals: Referrals,
  ) {}

  async bundle(caseId: string, base: string): Promise<Bundle> {
    if (!UUID.test(caseId)) throw new NotFound();
    return this.build(await this.opinions.latest(caseId), base);
  }

  /**
   * One resource of a delivered case's export, read on its own: the ServiceRequest by the case id (as of the latest
   * signed version); the DiagnosticReport, DocumentReference and Provenance by the signed version's id, so an
   * amended opinion's earlier versions stay readable where a reference to them was kept.
   */
  async read(type: string, id: string, base: string): Promise<Resource> {
    if (type === 'ServiceRequest' && id.startsWith('referral-')) {
      const task = await this.referrals.find(id.slice('referral-'.length));
      if (!task) throw new NotFound();
      return referralServiceRequest(task);
    }
    if (!UUID.test(id) || !READABLE.has(type)) throw new NotFound();
    const delivered = type === 'ServiceRequest' ? await this.opinions.latest(id) : await this.opinions.version(id);
    const found = (await this.build(delivered, base)).entry?.find((e) => e.resource?.resourceType === type && e.resource.id === id);
    if (!found?.resource) throw new NotFound();
    return found.resource;
  }

  private async build(delivered: DeliveredOpinion, base: string): Promise<Bundle> {
    const caseId = delivered.case.id;
    const { patient } = await this.review.view(caseId);
    const consents = await this.review.consents(caseId);
    const signer = await this.physicians.documentSigner(delivered.opinion.signedBy!);
    return caseBundle({ ...delivered, patient, consents, signer }, base);
  }

  /**
   * Records the conversion an Encounter or Procedure says happened. The key is the Idempotency-Key header or else the
   * resource's identifier (a FHIR client's natural retry key); one of them is required.
   */
  async record(
    type: ConversionResourceType,
    body: unknown,
    header: string | undefined,
  ): Promise<{ resource: Encounter | Procedure; replayed: boolean }> {
    const read = readConversion(type, body);
    if (header === undefined && !read.identifier) throw new InvalidInput({ [`${type}.identifier`]: msg('integrations.fhir.key') });
    // An identifier may hold any text: its hash is a key of the header's alphabet.
    const key = this.conversions.checkKey(header ?? `${type}:${createHash('sha256').update(read.identifier!).digest('hex')}`);
    const { conversion, replayed } = await this.conversions.record(read.caseId, read.request, `fhir:${key}`);
    const resource = { ...(body as Encounter | Procedure), id: conversion.id, meta: { lastUpdated: conversion.recordedAt } };
    return { resource, replayed };
  }
}

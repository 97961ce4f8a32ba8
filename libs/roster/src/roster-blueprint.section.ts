import { Injectable } from '@nestjs/common';
import { Blueprint, BlueprintInput, BlueprintSection, SectionApplyContext } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { PhysiciansService } from './physicians.service';
import type { PhysicianInput } from './roster.types';

/** `physicians:` of tenant.yaml, to and from the roster tables. After the catalog: physicians name specialties. */
@Injectable()
export class RosterBlueprintSection implements BlueprintSection {
  readonly name = 'roster';
  readonly order = 20;

  constructor(private readonly physicians: PhysiciansService) {}

  async apply({ tx, tenantId, currency, blueprint, changes }: SectionApplyContext): Promise<void> {
    changes.push(
      ...(await this.physicians.sync(
        tx,
        tenantId,
        blueprint.physicians.map((p, i) => physicianInput(p, i, currency)),
      )),
    );
  }

  async export(tx: EntityManager, tenantId: string): Promise<Partial<BlueprintInput>> {
    return {
      physicians: (await this.physicians.list(tx, tenantId)).map((p) => ({
        slug: p.slug,
        name: p.name,
        credentials: p.credentials,
        title: p.title,
        photo: p.photo ? `assets/${p.photo}` : undefined,
        bio: p.bio,
        specialties: p.specialtySlugs,
        licenses: p.licenses.map((l) => ({ jurisdiction: l.jurisdiction, number: l.number, expires: l.expiresOn })),
        accepting_new_cases: p.acceptingNewCases,
        weekly_capacity: p.weeklyCapacity,
        stipend: p.stipendMinor,
        featured: p.featured,
      })),
    };
  }
}

function physicianInput(p: Blueprint['physicians'][number], position: number, currency: string): PhysicianInput {
  return {
    slug: p.slug,
    position,
    name: p.name,
    credentials: p.credentials,
    title: p.title,
    bio: p.bio,
    photo: p.photo ? p.photo.slice('assets/'.length) : undefined,
    specialtySlugs: p.specialties,
    licenses: p.licenses.map((l) => ({ jurisdiction: l.jurisdiction, number: l.number, expiresOn: l.expires })),
    acceptingNewCases: p.accepting_new_cases,
    weeklyCapacity: p.weekly_capacity,
    stipendMinor: p.stipend,
    stipendCurrency: currency,
    featured: p.featured,
  };
}

import { Body, Controller, Get, Header, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { SpecialtiesService } from '@consilium/catalog';
import { Can, InvalidInput, NotFound, RequestContext, TenantDatabase, ViewRenderer } from '@consilium/core';
import {
  amountText,
  assetUrl,
  ConsoleForm,
  FormBody,
  isJurisdiction,
  slug as slugSchema,
  isoDate,
  jurisdictionName,
  languageFields,
  localize,
  localizedFields,
  readConsoleForm,
  readUploadedImage,
  ResolvedTenant,
  TenantContentCache,
  TenantResolver,
  TenantSite,
  typedValues,
  UploadedFile,
} from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PhysiciansService } from '../physicians.service';
import type { LicenseInput, PhysicianInput, PhysicianRecord } from '../roster.types';

const HTML = 'text/html; charset=utf-8';
/** What a profile photo may be: a picture, not a vector drawing or an icon. */
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

/**
 * The hospital admin's roster editor: each physician's profile, whether they take new cases, weekly capacity,
 * stipend per opinion, specialties and licenses. Writes through PhysiciansService, as blueprints do.
 */
@Controller('console/roster')
@TenantSite()
export class ConsoleRosterController {
  constructor(
    private readonly physicians: PhysiciansService,
    private readonly specialties: SpecialtiesService,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
    private readonly resolver: TenantResolver,
    private readonly views: ViewRenderer,
  ) {}

  @Can('roster.edit')
  @Get()
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async list(): Promise<string> {
    const { physicians } = await this.load();
    const tenant = this.tenant();
    const locale = this.context.locale();
    return this.views.render(
      'roster/console-roster',
      {
        title: 'Roster',
        physicians: physicians.map((p) => ({ ...p, title: localize(p.title, locale, tenant.defaultLocale), stipend: p.stipendMinor })),
      },
      { layout: 'console' },
    );
  }

  @Can('roster.edit')
  @Get('new')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async newPhysician(): Promise<string> {
    const { specialties } = await this.load();
    return this.render(undefined, specialties, { accepting_new_cases: '1', weekly_capacity: '3' }, {}, []);
  }

  @Can('roster.edit')
  @Audited({ action: 'roster.physician_create', entityType: 'physician' })
  @Post()
  @HttpCode(200)
  async create(@Body() body: FormBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const { specialties } = await this.load();
    const form = new ConsoleForm(body ?? {});
    const slug = form.field('slug', slugSchema, form.text('slug').toLowerCase());
    const fields = readPhysician(
      form,
      this.tenant(),
      specialties.map((s) => s.slug),
    );
    if (fields && slug) {
      try {
        await this.physicians.create({ ...fields, slug });
        this.cache.invalidate(this.tenant().id);
        return void reply.redirect(`/console/roster?created=${encodeURIComponent(slug)}`, 303);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        Object.assign(form.errors, error.fields ?? {});
      }
    }
    reply.status(400).header('content-type', HTML).header('cache-control', 'no-store');
    return this.render(undefined, specialties, typedValues(body ?? {}), form.errors, form.all('specialties'));
  }

  @Can('roster.edit')
  @Get(':slug')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async edit(@Param('slug') slug: string): Promise<string> {
    const { physician, specialties } = await this.one(slug);
    return this.render(physician, specialties, physicianValues(physician, this.tenant().locales), {});
  }

  @Can('roster.edit')
  @Audited({ action: 'roster.physician_update', entityType: 'physician' })
  @Post(':slug')
  @HttpCode(200)
  async save(@Param('slug') slug: string, @Body() body: FormBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const { physician, specialties } = await this.one(slug);
    const form = new ConsoleForm(body ?? {});
    const patch = readPhysician(
      form,
      this.tenant(),
      specialties.map((s) => s.slug),
    );
    if (patch) {
      try {
        await this.physicians.update(slug, patch);
        this.cache.invalidate(this.tenant().id);
        return void reply.redirect(`/console/roster?saved=${encodeURIComponent(slug)}`, 303);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        Object.assign(form.errors, error.fields ?? {});
      }
    }
    reply.status(400).header('content-type', HTML).header('cache-control', 'no-store');
    const values = typedValues(body ?? {});
    return this.render(physician, specialties, values, form.errors, form.all('specialties'));
  }

  /**
   * A physician's photo, from a multipart form: judged by its bytes (JPEG, PNG or WebP, at most 1 MiB), or removed
   * with `remove_photo`. A refusal shows beside the field and changes nothing.
   */
  @Can('roster.edit')
  @Audited({ action: 'roster.physician_photo', entityType: 'physician' })
  @Post(':slug/photo')
  @HttpCode(200)
  async photo(
    @Param('slug') slug: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    const { physician, specialties } = await this.one(slug);
    const body: FormBody = (await readConsoleForm(request)) ?? {};
    const file = body.photo as UploadedFile | undefined;
    let asset = null;
    if (!body.remove_photo) {
      const judged = readUploadedImage(file, `physician-${slug}`, {
        types: PHOTO_TYPES,
        refusal: 'A photo must be a JPEG, PNG or WebP image.',
      });
      if ('problem' in judged) {
        reply.status(400).header('content-type', HTML).header('cache-control', 'no-store');
        return this.render(physician, specialties, physicianValues(physician, this.tenant().locales), { photo: judged.problem });
      }
      asset = judged.asset;
    }
    if (!(await this.physicians.setPhoto(slug, asset))) throw new NotFound();
    // Asset hashes live on the resolved tenant: both caches forget it, so the next page shows the new photo.
    this.resolver.invalidate(this.tenant().id);
    this.cache.invalidate(this.tenant().id);
    void reply.redirect(`/console/roster/${encodeURIComponent(slug)}?photo=1`, 303);
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }

  private async load(): Promise<{ physicians: PhysicianRecord[]; specialties: { slug: string; name: string }[] }> {
    // Fails closed should an app mount this lib without identity's access guard.
    if (this.context.actor()?.kind !== 'staff') throw new NotFound();
    const tenant = this.tenant();
    const locale = this.context.locale();
    return this.db.transaction(async (tx) => ({
      physicians: await this.physicians.list(tx, tenant.id),
      specialties: (await this.specialties.list(tx, tenant.id)).map((s) => ({
        slug: s.slug,
        name: localize(s.name, locale, tenant.defaultLocale) ?? s.slug,
      })),
    }));
  }

  private async one(slug: string): Promise<{ physician: PhysicianRecord; specialties: { slug: string; name: string }[] }> {
    const { physicians, specialties } = await this.load();
    const physician = physicians.find((p) => p.slug === slug);
    if (!physician) throw new NotFound();
    return { physician, specialties };
  }

  private render(
    physician: PhysicianRecord | undefined,
    specialties: { slug: string; name: string }[],
    values: Record<string, string>,
    errors: Record<string, string>,
    chosen: string[] = physician?.specialtySlugs ?? [],
  ): string {
    const tenant = this.tenant();
    const locale = this.context.locale();
    const rows = new ConsoleForm(values).rows('license');
    const next = rows.length ? Math.max(...rows) + 1 : 0;
    return this.views.render(
      'roster/console-physician',
      {
        title: physician?.name,
        slug: physician?.slug,
        photoUrl: physician?.photo && tenant.assets[physician.photo] ? assetUrl(tenant, physician.photo) : undefined,
        isNew: !physician,
        currency: tenant.currency,
        titleFields: languageFields('title', tenant.locales),
        bioFields: languageFields('bio', tenant.locales),
        specialties: specialties.map((s) => ({ ...s, checked: chosen.includes(s.slug) })),
        licenses: [...rows, next].map((i) => {
          const jurisdiction = values[`license_${i}_jurisdiction`];
          return {
            index: i,
            existing: !!jurisdiction && !!physician?.licenses.some((l) => l.jurisdiction === jurisdiction),
            place: jurisdiction && isJurisdiction(jurisdiction) ? jurisdictionName(jurisdiction, locale) : jurisdiction,
            jurisdiction: `license_${i}_jurisdiction`,
            number: `license_${i}_number`,
            expires: `license_${i}_expires`,
            remove: `license_${i}_remove`,
            removeChecked: !!values[`license_${i}_remove`],
          };
        }),
        accepting: 'accepting_new_cases' in values ? !!values.accepting_new_cases : false,
        featured: 'featured' in values ? !!values.featured : false,
        values,
        errors,
      },
      { layout: 'console' },
    );
  }
}

function physicianValues(p: PhysicianRecord, locales: string[]): Record<string, string> {
  const values: Record<string, string> = {
    name: p.name,
    credentials: p.credentials,
    ...localizedFields('title', p.title, locales),
    ...localizedFields('bio', p.bio, locales),
    weekly_capacity: String(p.weeklyCapacity),
    stipend: amountText(p.stipendMinor, p.stipendCurrency),
  };
  if (p.acceptingNewCases) values.accepting_new_cases = '1';
  if (p.featured) values.featured = '1';
  p.licenses.forEach((l, i) => {
    values[`license_${i}_jurisdiction`] = l.jurisdiction;
    values[`license_${i}_number`] = l.number;
    values[`license_${i}_expires`] = l.expiresOn;
  });
  return values;
}

/** The edit as a patch, or undefined when any field is refused (then nothing is written). */
function readPhysician(form: ConsoleForm, tenant: ResolvedTenant, known: string[]): Omit<PhysicianInput, 'slug' | 'position'> | undefined {
  const name = form.text('name');
  if (!name || name.length > 200) form.fail('name', "Enter the physician's name (at most 200 characters).");
  const credentials = form.text('credentials');
  if (credentials.length > 100) form.fail('credentials', 'Keep the credentials under 100 characters, e.g. MD, PhD.');
  const title = form.localized('title', tenant.locales, { max: 200 });
  const bio = form.localized('bio', tenant.locales, { max: 5000 });
  const weeklyCapacity = form.whole('weekly_capacity', 0, 100, 'cases');
  const stipendMinor = form.amount('stipend', tenant.currency);
  const specialtySlugs = form.all('specialties');
  if (!specialtySlugs.length) form.fail('specialties', 'Choose at least one specialty.');
  for (const s of specialtySlugs) if (!known.includes(s)) form.fail('specialties', `There is no specialty "${s}".`);
  const licenses: LicenseInput[] = [];
  for (const i of form.rows('license')) {
    if (form.checked(`license_${i}_remove`) || form.blankRow('license', i)) continue;
    const jurisdiction = form.text(`license_${i}_jurisdiction`).toUpperCase();
    if (!isJurisdiction(jurisdiction))
      form.fail(`license_${i}_jurisdiction`, 'Enter a US state as US-XX (e.g. US-IL) or a country code (e.g. MX).');
    else if (licenses.some((l) => l.jurisdiction === jurisdiction))
      form.fail(`license_${i}_jurisdiction`, `There is already a license in ${jurisdiction}.`);
    const number = form.text(`license_${i}_number`);
    if (!number || number.length > 60) form.fail(`license_${i}_number`, 'Enter the license number (at most 60 characters).');
    const expiresOn = form.field(`license_${i}_expires`, isoDate);
    if (isJurisdiction(jurisdiction) && number && expiresOn) licenses.push({ jurisdiction, number, expiresOn });
  }
  if (!form.ok) return undefined;
  return {
    name,
    credentials,
    title: title!,
    bio: bio!,
    weeklyCapacity: weeklyCapacity!,
    stipendMinor: stipendMinor!,
    stipendCurrency: tenant.currency,
    acceptingNewCases: form.checked('accepting_new_cases'),
    featured: form.checked('featured'),
    specialtySlugs,
    licenses,
  };
}

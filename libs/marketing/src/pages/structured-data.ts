import { minorToDecimal } from '@consilium/core';
import type { OfferingRecord } from '@consilium/catalog';
import type { PhysicianProfileView } from '@consilium/roster';
import { assetUrl } from '@consilium/tenancy';
import type { FaqView } from './page-parts';
import type { SiteData } from './site-data.service';

/** schema.org JSON-LD. Prices are decimals in the offering's currency, as schema.org Offer expects. */
const CONTEXT = 'https://schema.org';

export function hospitalRef(d: SiteData): Record<string, unknown> {
  return { '@type': 'Hospital', '@id': `${d.url('/')}#hospital`, name: d.tenant.name, url: d.url('/') };
}

export function offer(d: SiteData, o: OfferingRecord): Record<string, unknown> {
  const specialty = d.catalog.specialties.find((s) => s.id === o.specialtyId);
  return {
    '@type': 'Offer',
    name: d.text(o.name),
    price: minorToDecimal(o.priceMinor, o.currency),
    priceCurrency: o.currency,
    url: d.url(`/specialties/${o.specialtySlug}`),
    category: specialty && d.text(specialty.name),
    availability: 'https://schema.org/InStock',
    addOn: o.addOns.map((a) => ({
      '@type': 'Offer',
      name: d.text(a.name),
      price: minorToDecimal(a.priceMinor, o.currency),
      priceCurrency: o.currency,
    })),
  };
}

/** The hospital itself, with its catalog of second opinions and their prices. */
export function hospital(d: SiteData): Record<string, unknown> {
  const { contact } = d.tenant.profile;
  return {
    '@context': CONTEXT,
    ...hospitalRef(d),
    logo: `${d.origin}${assetUrl(d.tenant, d.tenant.branding.logo)}`,
    ...(contact?.phone ? { telephone: contact.phone } : {}),
    ...(contact?.email ? { email: contact.email } : {}),
    ...(contact?.address ? { address: { '@type': 'PostalAddress', streetAddress: contact.address } } : {}),
    hasOfferCatalog: {
      '@type': 'OfferCatalog',
      name: d.t('jsonld.catalog', { name: d.tenant.name }),
      itemListElement: d.catalog.offerings.map((o) => offer(d, o)),
    },
  };
}

export function offerCatalog(d: SiteData, name: string, offerings: OfferingRecord[]): Record<string, unknown> {
  return {
    '@context': CONTEXT,
    '@type': 'OfferCatalog',
    name,
    provider: hospitalRef(d),
    itemListElement: offerings.map((o) => offer(d, o)),
  };
}

export function physician(d: SiteData, p: PhysicianProfileView): Record<string, unknown> {
  return {
    '@context': CONTEXT,
    '@type': 'Physician',
    name: p.fullName,
    description: p.title,
    url: d.url(p.path),
    ...(p.photoUrl ? { image: `${d.origin}${p.photoUrl}` } : {}),
    hospitalAffiliation: hospitalRef(d),
    ...(p.specialties.length ? { knowsAbout: p.specialties.map((s) => s.name) } : {}),
  };
}

export function faqPage(faqs: FaqView[]): Record<string, unknown> {
  return {
    '@context': CONTEXT,
    '@type': 'FAQPage',
    mainEntity: faqs.map((f) => ({
      '@type': 'Question',
      name: f.question,
      acceptedAnswer: { '@type': 'Answer', text: f.answer.join('\n\n') },
    })),
  };
}

export function breadcrumbList(d: SiteData, trail: { label: string; path: string }[]): Record<string, unknown> {
  return {
    '@context': CONTEXT,
    '@type': 'BreadcrumbList',
    itemListElement: trail.map((c, i) => ({ '@type': 'ListItem', position: i + 1, name: c.label, item: d.url(c.path) })),
  };
}

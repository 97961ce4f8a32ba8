import type { MessageCatalog } from '@consilium/core';

/** Registered as `roster.*`. */
export const ROSTER_MESSAGES: MessageCatalog = {
  en: {
    'accepting': 'Accepting new cases',
    'not_accepting': 'Not accepting new cases at the moment',
    'licensed_in': 'Licensed in {places}',
    'photo_alt': 'Portrait of {name}',
  },
  es: {
    'accepting': 'Acepta casos nuevos',
    'not_accepting': 'No acepta casos nuevos por el momento',
    'licensed_in': 'Con licencia en {places}',
    'photo_alt': 'Retrato de {name}',
  },
};

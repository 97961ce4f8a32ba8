import { ConsentKind } from '@consilium/cases';
import { createHash } from 'node:crypto';

/**
 * The texts a patient agrees to before a request is sent. Each has a version; the case stores the version and the
 * SHA-256 of exactly the words shown (in the patient's language, with the hospital's name), so the hospital can
 * later prove which text was agreed to. Changing a text means a new version: drafts that agreed to the old one are
 * asked again.
 */
interface ConsentText {
  version: string;
  title: Record<'en' | 'es', string>;
  body: Record<'en' | 'es', string>;
  agree: Record<'en' | 'es', string>;
}

const TEXTS: Record<ConsentKind, ConsentText> = {
  terms: {
    version: '2026-11-01',
    title: { en: 'Terms of the second opinion service', es: 'Condiciones del servicio de segunda opinión' },
    body: {
      en: '{hospital} reviews the records and answers you send and gives a written opinion. A second opinion is not emergency care and does not start a doctor–patient relationship for treatment. If you need care now, call 911 or your own doctor. Your card is authorized when you send the request and charged only if the request is accepted; you can cancel for free until then. If the request is declined, nothing is charged.',
      es: '{hospital} revisa los documentos y las respuestas que usted envía y emite una opinión por escrito. Una segunda opinión no es atención de urgencia y no inicia una relación médico–paciente para tratamiento. Si necesita atención ahora, llame al 911 o a su médico. Su tarjeta se autoriza al enviar la solicitud y se cobra solo si la solicitud se acepta; hasta entonces puede cancelar sin costo. Si la solicitud no se acepta, no se cobra nada.',
    },
    agree: { en: 'I have read and accept these terms.', es: 'He leído y acepto estas condiciones.' },
  },
  records_authorization: {
    version: '2026-11-01',
    title: { en: 'Authorization to use your records', es: 'Autorización para usar sus documentos' },
    body: {
      en: 'I authorize {hospital} and the physicians it assigns to review the medical records and information I provide, and records collected at my request, for the purpose of this second opinion. They are kept encrypted, used only for this request and for the records the law requires the hospital to keep, and not sold or shared for marketing.',
      es: 'Autorizo a {hospital} y a los médicos que asigne a revisar los documentos médicos y la información que proporciono, y los documentos reunidos a mi pedido, con el fin de esta segunda opinión. Se guardan cifrados, se usan solo para esta solicitud y para los registros que la ley exige al hospital, y no se venden ni se comparten con fines comerciales.',
    },
    agree: { en: 'I authorize the use of my records for this opinion.', es: 'Autorizo el uso de mis documentos para esta opinión.' },
  },
  educational_disclaimer: {
    version: '2026-11-01',
    title: { en: 'An educational opinion', es: 'Una opinión educativa' },
    body: {
      en: 'Because no {hospital} physician reviewing this specialty is licensed where you live, the opinion is educational: it informs you and your own physician, but it is not a diagnosis or a treatment plan, and no {hospital} physician becomes responsible for your care. Please discuss it with your own doctor before making any decision.',
      es: 'Como ningún médico de {hospital} que revisa esta especialidad tiene licencia donde usted vive, la opinión es educativa: le informa a usted y a su médico, pero no es un diagnóstico ni un plan de tratamiento, y ningún médico de {hospital} pasa a ser responsable de su atención. Coméntela con su médico antes de tomar cualquier decisión.',
    },
    agree: { en: 'I understand that the opinion is educational.', es: 'Entiendo que la opinión es educativa.' },
  },
  physician_to_physician: {
    version: '2026-11-01',
    title: { en: 'An opinion through your own physician', es: 'Una opinión a través de su propio médico' },
    body: {
      en: 'Because no {hospital} physician reviewing this specialty is licensed where you live, the opinion is written for your own physician, whom you name. {hospital} sends it to them, invites them to read it online, and they discuss it with you and remain responsible for your care. You will be able to read it too.',
      es: 'Como ningún médico de {hospital} que revisa esta especialidad tiene licencia donde usted vive, la opinión se escribe para su propio médico, a quien usted nombra. {hospital} se la envía, le invita a leerla en línea, y su médico la comenta con usted y sigue siendo responsable de su atención. Usted también podrá leerla.',
    },
    agree: { en: 'I agree that the opinion goes to my own physician.', es: 'Acepto que la opinión se envíe a mi propio médico.' },
  },
};

export interface ConsentDocument {
  kind: ConsentKind;
  version: string;
  title: string;
  text: string;
  agree: string;
  /** SHA-256 (hex) of `title`, a blank line, and `text`: what the patient saw. */
  sha256: string;
}

export function consentDocument(kind: ConsentKind, locale: string, hospital: string): ConsentDocument {
  const source = TEXTS[kind];
  const lang = locale === 'es' ? 'es' : 'en';
  const title = source.title[lang];
  const text = source.body[lang].replaceAll('{hospital}', hospital);
  return {
    kind,
    version: source.version,
    title,
    text,
    agree: source.agree[lang],
    sha256: createHash('sha256').update(`${title}\n\n${text}`).digest('hex'),
  };
}

/** The version in force for each kind: a consent given for an older one is asked again. */
export const CURRENT_CONSENT_VERSIONS: Record<ConsentKind, string> = Object.fromEntries(
  Object.entries(TEXTS).map(([kind, text]) => [kind, text.version]),
) as Record<ConsentKind, string>;

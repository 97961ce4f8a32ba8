import type { EmailLocale } from '../email-catalog';

export interface EmailStrings {
  greeting: string;
  linkFallback: string;
  noMedicalReplies: string;
  whyPrefix: string;
  roles: Record<string, string>;
  /** Singular and plural, for "expires in 30 minutes / 1 day". */
  units: Record<'minute' | 'hour' | 'day', [string, string]>;
}

/** Words of the branded layout, per language. Message texts live in the templates (views/emails/<locale>/). */
export const EMAIL_STRINGS: Record<EmailLocale, EmailStrings> = {
  en: {
    greeting: 'Hello,',
    linkFallback: 'If the button does not work, copy this address into your browser:',
    noMedicalReplies: 'Please do not reply to this email with medical information. Your secure portal is the place for that.',
    whyPrefix: 'You received this email because of your account with the second opinion program of',
    roles: { admin: 'an administrator', coordinator: 'a coordinator', physician: 'a physician' },
    units: { minute: ['minute', 'minutes'], hour: ['hour', 'hours'], day: ['day', 'days'] },
  },
  es: {
    greeting: 'Hola:',
    linkFallback: 'Si el botón no funciona, copie esta dirección en su navegador:',
    noMedicalReplies: 'Por favor, no responda a este correo con información médica. Para eso está su portal seguro.',
    whyPrefix: 'Recibió este correo por su cuenta en el programa de segunda opinión de',
    roles: { admin: 'administrador/a', coordinator: 'coordinador/a', physician: 'médico/a' },
    units: { minute: ['minuto', 'minutos'], hour: ['hora', 'horas'], day: ['día', 'días'] },
  },
};

/** 30 -> "30 minutes", 120 -> "2 hours", 10080 -> "7 days": the largest whole unit. */
export function duration(minutes: number, strings: EmailStrings): string {
  const [unit, size] =
    minutes % 1440 === 0 ? (['day', 1440] as const) : minutes % 60 === 0 ? (['hour', 60] as const) : (['minute', 1] as const);
  const count = minutes / size;
  return `${count} ${strings.units[unit][count === 1 ? 0 : 1]}`;
}

import type { EmailLocale } from '../email-catalog';

/** Words of the branded layout, per language. Message texts live in the templates (views/emails/<locale>/). */
export const EMAIL_STRINGS: Record<EmailLocale, Record<string, string | Record<string, string>>> = {
  en: {
    greeting: 'Hello,',
    linkFallback: 'If the button does not work, copy this address into your browser:',
    noMedicalReplies: 'Please do not reply to this email with medical information. Your secure portal is the place for that.',
    whyPrefix: 'You received this email because of your account with the second opinion program of',
    roles: { admin: 'an administrator', coordinator: 'a coordinator', physician: 'a physician' },
  },
  es: {
    greeting: 'Hola:',
    linkFallback: 'Si el botón no funciona, copie esta dirección en su navegador:',
    noMedicalReplies: 'Por favor, no responda a este correo con información médica. Para eso está su portal seguro.',
    whyPrefix: 'Recibió este correo por su cuenta en el programa de segunda opinión de',
    roles: { admin: 'administrador/a', coordinator: 'coordinador/a', physician: 'médico/a' },
  },
};

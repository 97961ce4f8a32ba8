import { SnsMessageMalformed } from '../notifications-errors';

/** An Amazon SNS HTTP(S) delivery: https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html */
export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

const TYPES = new Set(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);
const REQUIRED = ['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL'] as const;

/** SNS posts JSON as text/plain; Fastify hands us a string for that, an object for application/json. */
export function parseSnsMessage(body: unknown): SnsMessage {
  let value = body;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      value = JSON.parse(String(value));
    } catch {
      throw new SnsMessageMalformed('not_json');
    }
  }
  if (!value || typeof value !== 'object') throw new SnsMessageMalformed('not_object');
  const message = value as Record<string, unknown>;
  for (const key of REQUIRED) {
    if (typeof message[key] !== 'string') throw new SnsMessageMalformed('missing_field', key);
  }
  if (!TYPES.has(message.Type as string)) throw new SnsMessageMalformed('unknown_type');
  if (message.Type !== 'Notification' && (typeof message.SubscribeURL !== 'string' || typeof message.Token !== 'string')) {
    throw new SnsMessageMalformed('subscription_fields');
  }
  return message as unknown as SnsMessage;
}

/** The canonical string SNS signs: selected keys, in order, each as "Key\nValue\n". */
export function stringToSign(message: SnsMessage): string {
  const keys =
    message.Type === 'Notification'
      ? ['Message', 'MessageId', ...(message.Subject !== undefined ? ['Subject'] : []), 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.map((key) => `${key}\n${(message as unknown as Record<string, string>)[key]}\n`).join('');
}

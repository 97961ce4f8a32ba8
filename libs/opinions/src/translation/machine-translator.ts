import { TranslateClient, TranslateTextCommand } from '@aws-sdk/client-translate';
import { AppConfig } from '@consilium/core';

/** A machine translation provider: the first draft of a translated opinion, which a translator always reviews. */
export interface MachineTranslator {
  /** `aws` or `demo`: kept on the translation, so the translator's page says what drafted it. */
  readonly name: 'aws' | 'demo';
  /** Each text translated from one language to another (codes like `en`, `es`, `fr-CA`), in the same order. */
  translate(texts: string[], from: string, to: string): Promise<string[]>;
}

export const MACHINE_TRANSLATOR = Symbol('MACHINE_TRANSLATOR');

/**
 * The embedded default has no translation service: its draft is the original text unchanged, and the translator's
 * page says so (a demo machine draft, to be translated by hand). Nothing is sent anywhere.
 */
export class DemoTranslator implements MachineTranslator {
  readonly name = 'demo' as const;

  translate(texts: string[]): Promise<string[]> {
    return Promise.resolve([...texts]);
  }
}

/** Amazon Translate's TranslateText takes at most 10,000 bytes of UTF-8: longer texts go in pieces, split between paragraphs. */
const MAX_BYTES = 9000;

/**
 * Amazon Translate through its SDK (TranslateText), credentials from the SDK's default chain. Empty texts are not
 * sent. Language codes are Translate's own two-letter codes (`fr-CA` is its own code there too).
 */
export class AwsTranslator implements MachineTranslator {
  readonly name = 'aws' as const;
  private readonly client: TranslateClient;

  constructor(settings: { region: string; endpoint?: string }) {
    this.client = new TranslateClient({ region: settings.region, endpoint: settings.endpoint, maxAttempts: 3 });
  }

  async translate(texts: string[], from: string, to: string): Promise<string[]> {
    const out: string[] = [];
    for (const text of texts) {
      if (!text.trim()) {
        out.push(text);
        continue;
      }
      const pieces: string[] = [];
      for (const piece of piecesOf(text)) {
        const answer = await this.client.send(
          new TranslateTextCommand({ Text: piece, SourceLanguageCode: awsCode(from), TargetLanguageCode: awsCode(to) }),
        );
        pieces.push(answer.TranslatedText ?? '');
      }
      out.push(pieces.join('\n\n'));
    }
    return out;
  }
}

/** Translate knows `fr-CA` and `es-MX`, but plain codes for the rest of our regional variants. */
function awsCode(locale: string): string {
  return ['fr-CA', 'es-MX', 'pt-PT', 'zh-TW'].includes(locale) ? locale : locale.split('-')[0];
}

/** Paragraphs grouped into pieces under the byte limit; a single paragraph longer than it is cut by characters. */
function piecesOf(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const paragraph of text.split(/\n{2,}/)) {
    const joined = current ? `${current}\n\n${paragraph}` : paragraph;
    if (Buffer.byteLength(joined) <= MAX_BYTES) {
      current = joined;
      continue;
    }
    if (current) out.push(current);
    let rest = paragraph;
    while (Buffer.byteLength(rest) > MAX_BYTES) {
      // Characters, not bytes: a quarter of the limit fits whatever the characters (four bytes at most each).
      out.push(rest.slice(0, MAX_BYTES / 4));
      rest = rest.slice(MAX_BYTES / 4);
    }
    current = rest;
  }
  if (current) out.push(current);
  return out;
}

/** The provider configuration chooses (TRANSLATION_PROVIDER, TRANSLATE_REGION), never code. */
export function createMachineTranslator(config: AppConfig): MachineTranslator {
  const { provider, region, endpoint } = config.translation;
  return provider === 'aws' ? new AwsTranslator({ region: region!, endpoint }) : new DemoTranslator();
}

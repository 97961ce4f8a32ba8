import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseEml, parseHeaders } from './eml-reader';

export interface OutboxEntry {
  id: string;
  date: string;
  from: string;
  to: string;
  subject: string;
  tenant: string;
  template: string;
  locale: string;
}

export interface OutboxMessage extends OutboxEntry {
  text?: string;
  html?: string;
  file: string;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Reads the local outbox folder: the newest messages first, or one message by id. */
export class OutboxStore {
  constructor(readonly dir: string) {}

  list(limit = 50): OutboxEntry[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.eml') && ID.test(name.slice(0, -4)))
      .map((name) => ({ name, mtime: statSync(path.join(this.dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime)
      .slice(0, limit)
      .map(({ name }) => this.entry(name.slice(0, -4), readFileSync(path.join(this.dir, name), 'utf8')));
  }

  /** The message with this id, or null (also for anything that is not a message id: no path ever comes from input). */
  read(id: string): OutboxMessage | null {
    if (!ID.test(id)) return null;
    const file = path.join(this.dir, `${id}.eml`);
    if (!existsSync(file)) return null;
    const raw = readFileSync(file, 'utf8');
    const parsed = parseEml(raw);
    return { ...this.entry(id, raw), text: parsed.text, html: parsed.html, file };
  }

  private entry(id: string, raw: string): OutboxEntry {
    const end = raw.search(/\r?\n\r?\n/);
    const headers = parseHeaders(end < 0 ? raw : raw.slice(0, end));
    return {
      id,
      date: headers['date'] ?? '',
      from: headers['from'] ?? '',
      to: headers['to'] ?? '',
      subject: headers['subject'] ?? '',
      tenant: headers['x-consilium-tenant'] ?? '',
      template: headers['x-consilium-template'] ?? '',
      locale: headers['x-consilium-locale'] ?? '',
    };
  }
}

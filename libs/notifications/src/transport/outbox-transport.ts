import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { link, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeliveryReceipt, EmailTransport, OutgoingEmail } from './email-transport';
import { buildMimeMessage } from './mime-message';

const STALE_TMP_MS = 10 * 60 * 1000;

/**
 * The embedded default's "mail server": each message becomes `<outbox>/<message id>.eml`, readable with
 * `npm run cli -- outbox list|show` or on the operator host at /operator/outbox.
 *
 * Delivery is idempotent by message id: the file is written aside and then hard-linked into place, and link()
 * fails when the name exists. A retry after a crash between writing the file and committing the job therefore finds
 * its message already delivered instead of writing it twice, and a reader never sees a half-written file.
 */
export class OutboxTransport implements EmailTransport {
  readonly name = 'outbox' as const;
  private readonly tmpDir: string;

  constructor(
    readonly dir: string,
    private readonly messageIdDomain: string,
  ) {
    this.tmpDir = path.join(dir, '.tmp');
    mkdirSync(this.tmpDir, { recursive: true });
    this.removeStaleTmp();
  }

  async send(email: OutgoingEmail): Promise<DeliveryReceipt> {
    const target = path.join(this.dir, `${email.id}.eml`);
    const receipt = { transport: this.name, providerMessageId: email.id };
    if (existsSync(target)) return { ...receipt, alreadyDelivered: true };
    const tmp = path.join(this.tmpDir, `${email.id}.${process.pid}.${randomBytes(4).toString('hex')}`);
    await writeFile(tmp, buildMimeMessage(email, this.messageIdDomain), { mode: 0o600 });
    try {
      await link(tmp, target);
      return receipt;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { ...receipt, alreadyDelivered: true };
      throw error;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Files a killed process left half-written. Old ones only: a live process may be writing a fresh one. */
  private removeStaleTmp(): void {
    const now = Date.now();
    for (const name of readdirSync(this.tmpDir)) {
      const file = path.join(this.tmpDir, name);
      try {
        if (now - statSync(file).mtimeMs > STALE_TMP_MS) rmSync(file, { force: true });
      } catch {
        // Another process removed it first.
      }
    }
  }
}

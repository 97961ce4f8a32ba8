import { Injectable } from '@nestjs/common';
import { TenantDatabase } from '@consilium/core';
import { DicomMetadata, summarizeStudies } from '../dicom/dicom-metadata';
import { displayName } from '../display-name';
import { FileInspector } from '../file-inspector';
import { RecordFile, RecordFileRepository } from '../record-file.repository';
import { RecordIngestor } from '../record-ingestor';
import { RecordRegistrar } from '../record-registrar';
import {
  ArchiveDamaged,
  ArchiveEmpty,
  ArchiveEntryEncrypted,
  ArchiveEntryUnsafe,
  ArchiveSuspicious,
  ArchiveTooLarge,
  ArchiveTooManyFiles,
  FileDamaged,
  FileRejected,
  StoredFileDamaged,
  UploadTooLarge,
} from '../records.errors';
import { RecordsSettings } from '../records-settings';
import { FileStorage } from '../storage/file-storage';
import { ArchiveSummary } from './archive-summary';
import { StoredZip, ZipEntry } from './stored-zip';

/** Below this many inflated bytes an entry may compress as well as it likes (a small all-zero file is not a bomb). */
const RATIO_GRACE_BYTES = 1024 * 1024;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Refusals that condemn the whole archive (its children so far are removed), not just one entry. */
const FATAL = [ArchiveSuspicious, ArchiveTooLarge, ArchiveTooManyFiles, ArchiveDamaged];

/**
 * Expands a stored ZIP into child files linked to it. Limits on entry count, total inflated size and per-entry
 * compression ratio are enforced on the bytes as they inflate, not on the sizes the headers claim (those only give
 * an earlier refusal). No name from the archive is used for storage: children get random keys like any upload, and
 * an entry whose name climbs out (`../`), is absolute, or is a symlink is recorded as refused without being read.
 * Re-running after a crash skips the entries already finished, so this is safe to run twice.
 */
@Injectable()
export class ArchiveExpander {
  constructor(
    private readonly db: TenantDatabase,
    private readonly files: RecordFileRepository,
    private readonly ingestor: RecordIngestor,
    private readonly inspector: FileInspector,
    private readonly registrar: RecordRegistrar,
    private readonly storage: FileStorage,
    private readonly settings: RecordsSettings,
  ) {}

  /** `renew` extends the processing lease; it is called once per entry and throws if the lease was lost. */
  async expand(archive: RecordFile, renew: () => Promise<void> = () => Promise.resolve()): Promise<ArchiveSummary> {
    const { tenantId, caseId } = archive;
    const stored = archive.stored!;
    const { used, done } = await this.db.forTenant(tenantId, async (tx) => ({
      used: await this.files.caseUsage(tx, tenantId, caseId),
      done: await this.files.children(tx, tenantId, archive.id),
    }));
    // The archive's own bytes are released once it is expanded, so they count as room for its contents.
    const cap = Math.min(this.settings.zipMaxExpandedBytes, this.settings.maxCaseBytes - used + stored.size);
    const finished = new Map(done.filter((c) => c.status === 'ready' || c.status === 'rejected').map((c) => [c.archiveEntry!, c]));
    for (const child of done) if (!finished.has(child.archiveEntry!)) await this.removeChild(child);
    let expanded = [...finished.values()].reduce((sum, c) => sum + (c.stored ? c.stored.size : 0), 0);

    const zip = await StoredZip.open(this.storage, stored);
    try {
      if (zip.entryCount > this.settings.zipMaxEntries) throw new ArchiveTooManyFiles(this.settings.zipMaxEntries);
      for (let entry = await zip.next(); entry; entry = await zip.next()) {
        if (entry.index >= this.settings.zipMaxEntries) throw new ArchiveTooManyFiles(this.settings.zipMaxEntries);
        await renew();
        const name = entryName(entry);
        if (name.endsWith('/') || finished.has(entry.index)) continue;
        const child = {
          tenantId,
          caseId,
          parentId: archive.id,
          archiveEntry: entry.index,
          name: displayName(name),
          uploadedBy: archive.uploadedBy,
        };
        const refusal = entryRefusal(entry, name);
        if (refusal) {
          await this.registrar.reject({ ...child, rejection: refusal });
          continue;
        }
        if (entry.uncompressedSize > RATIO_GRACE_BYTES && entry.uncompressedSize > entry.compressedSize * this.settings.zipMaxRatio) {
          throw new ArchiveSuspicious();
        }
        const room = cap - expanded;
        if (entry.uncompressedSize > room) throw new ArchiveTooLarge(cap);
        const stream = await zip.openStream(entry);
        let ingested;
        try {
          ingested = await this.ingestor.ingest(meterRatio(stream, entry.compressedSize, this.settings.zipMaxRatio), {
            maxBytes: Math.min(room, this.settings.maxFileBytes),
            tooLarge: () =>
              room <= this.settings.maxFileBytes ? new ArchiveTooLarge(cap) : new UploadTooLarge(this.settings.maxFileBytes),
            insideArchive: true,
          });
        } catch (error) {
          stream.destroy();
          const refused = asRejection(error);
          if (!(refused instanceof FileRejected) || FATAL.some((type) => refused instanceof type)) throw refused;
          await this.registrar.reject({ ...child, rejection: refused });
          continue;
        }
        if (ingested.stored.size !== entry.uncompressedSize) {
          await this.registrar.discard(ingested.stored);
          throw new ArchiveDamaged();
        }
        expanded += ingested.stored.size;
        let dicom: DicomMetadata | undefined;
        try {
          ({ dicom } = await this.inspector.inspect(ingested.type, ingested.stored));
        } catch (error) {
          if (!(error instanceof FileRejected)) throw error;
          await this.registrar.discard(ingested.stored);
          expanded -= ingested.stored.size;
          await this.registrar.reject({ ...child, type: ingested.type, rejection: error });
          continue;
        }
        await this.registrar.register({
          ...child,
          type: ingested.type,
          stored: ingested.stored,
          preambleZeroed: ingested.preambleZeroed,
          ready: { dicom },
        });
      }
    } catch (error) {
      if (error instanceof FileRejected || error instanceof StoredFileDamaged) await this.removeChildren(archive);
      throw error;
    } finally {
      zip.close();
    }
    return this.summarize(archive);
  }

  private async summarize(archive: RecordFile): Promise<ArchiveSummary> {
    const children = await this.db.forTenant(archive.tenantId, (tx) => this.files.children(tx, archive.tenantId, archive.id));
    const accepted = children.filter((c) => c.status === 'ready');
    if (accepted.length === 0) throw new ArchiveEmpty();
    return {
      entries: children.length,
      accepted: accepted.length,
      rejected: children.length - accepted.length,
      duplicates: children.filter((c) => c.rejection?.code === 'duplicate_file').length,
      expandedBytes: accepted.reduce((sum, c) => sum + (c.sizeBytes ?? 0), 0),
      studies: summarizeStudies(accepted.flatMap((c) => (c.dicom ? [c.dicom] : []))),
    };
  }

  private async removeChildren(archive: RecordFile): Promise<void> {
    const children = await this.db.forTenant(archive.tenantId, (tx) => this.files.children(tx, archive.tenantId, archive.id));
    for (const child of children) await this.removeChild(child);
  }

  private async removeChild(child: RecordFile): Promise<void> {
    await this.db.forTenant(child.tenantId, (tx) => this.files.delete(tx, child.tenantId, child.id));
    await this.registrar.discard(child.stored);
  }
}

/** The entry's name as a label only. Old archivers wrote IBM code page 437; Latin-1 is close enough for a label. */
function entryName(entry: ZipEntry): string {
  return entry.rawName.toString(entry.utf8 ? 'utf8' : 'latin1');
}

function entryRefusal(entry: ZipEntry, name: string): FileRejected | null {
  const parts = name.split(/[/\\]/);
  const unsafe =
    name.includes('\0') ||
    /^[/\\]/.test(name) ||
    /^[a-zA-Z]:/.test(name) ||
    parts.includes('..') ||
    ((entry.externalAttributes >>> 16) & S_IFMT) === S_IFLNK;
  if (unsafe) return new ArchiveEntryUnsafe();
  if (entry.flags & 0x1) return new ArchiveEntryEncrypted();
  if (entry.method !== 0 && entry.method !== 8) return new FileDamaged('This item in the ZIP file');
  return null;
}

/** Counts inflated bytes against the compressed size actually read (yauzl never reads past it). */
async function* meterRatio(stream: AsyncIterable<Buffer>, compressedSize: number, maxRatio: number): AsyncGenerator<Buffer> {
  let inflated = 0;
  for await (const chunk of stream) {
    inflated += chunk.length;
    if (inflated > RATIO_GRACE_BYTES && inflated > compressedSize * maxRatio) throw new ArchiveSuspicious();
    yield chunk;
  }
}

/** zlib's complaints about an entry's bytes mean the archive is damaged. */
function asRejection(error: unknown): unknown {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('Z_') ? new ArchiveDamaged() : error;
}

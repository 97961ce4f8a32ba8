import { Injectable } from '@nestjs/common';
import { NotFound } from '@consilium/core';
import { DataSet } from 'dicom-parser';
import { RecordFile } from '../record-file.repository';
import { CaseRef, RecordsService } from '../records.service';
import { FileStorage } from '../storage/file-storage';
import { DicomJson, toDicomJson } from './dicom-json';
import { DicomFrame, parseDataSet, readFrame } from './dicom-frames';
import { renderFrame, RenderedFrame, VoiWindow } from './rendered-frame';
import { IndexedInstance, QidoQuery, searchInstances, searchSeries, searchStudies } from './qido';

/** Which instances a WADO-RS request is about: a study, one of its series, or one instance. */
export interface InstanceScope {
  studyUid: string;
  seriesUid?: string;
  instanceUid?: string;
}

/**
 * A case's DICOM studies as DICOMweb sees them: searches answered from what was indexed at upload (no file is
 * opened), retrievals decrypted from storage as a stream. A UID the case does not hold is NotFound, whoever asks;
 * who may ask at all is the caller's question (RecordAccess).
 */
@Injectable()
export class CaseStudies {
  constructor(
    private readonly records: RecordsService,
    private readonly storage: FileStorage,
  ) {}

  async searchStudies(ref: CaseRef, query: QidoQuery): Promise<DicomJson[]> {
    return searchStudies(await this.indexed(ref), query);
  }

  async searchSeries(ref: CaseRef, query: QidoQuery): Promise<DicomJson[]> {
    const found = searchSeries(await this.indexed(ref), query);
    if (query.StudyInstanceUID && found.length === 0) throw new NotFound();
    return found;
  }

  async searchInstances(ref: CaseRef, query: QidoQuery): Promise<DicomJson[]> {
    const found = searchInstances(await this.indexed(ref), query);
    if ((query.StudyInstanceUID || query.SeriesInstanceUID) && found.length === 0) throw new NotFound();
    return found;
  }

  /**
   * The ready files holding the instances in scope, in upload order, and the study's first file (which stands for
   * the study in the audit log); NotFound when the case holds none of them.
   */
  async files(ref: CaseRef, scope: InstanceScope): Promise<{ studyFileId: string; instances: IndexedInstance[] }> {
    // Only the rows in scope: one image of a 500-image series reads one row, not the case's 500 (a viewer scrolling
    // asks for them one by one).
    const { firstOfStudy, files } = await this.records.dicomInScope(ref, scope);
    const instances = this.indexedOf(files);
    if (!firstOfStudy || instances.length === 0) throw new NotFound();
    return { studyFileId: firstOfStudy, instances };
  }

  /** One instance's Part 10 bytes, checked whole before the first byte is handed out (like a download). */
  async open(ref: CaseRef, instance: IndexedInstance): Promise<AsyncIterable<Buffer>> {
    const download = await this.records.openForDownload(await this.records.find(ref.tenantId, instance.fileId));
    return download.body;
  }

  async metadata(ref: CaseRef, instance: IndexedInstance): Promise<DicomJson> {
    return toDicomJson(await this.dataSet(ref, instance));
  }

  /** Frames by number (1-based); NotFound if any is not in the instance. */
  async frames(ref: CaseRef, instance: IndexedInstance, numbers: number[]): Promise<DicomFrame[]> {
    const dataSet = await this.dataSet(ref, instance);
    return numbers.map((n) => {
      const frame = readFrame(dataSet, n);
      if (!frame) throw new NotFound();
      return frame;
    });
  }

  /** Frame `number` as a picture (PNG, or a baseline JPEG as stored), shrunk to `maxSide` for a thumbnail. */
  async rendered(ref: CaseRef, instance: IndexedInstance, number: number, maxSide?: number, window?: VoiWindow): Promise<RenderedFrame> {
    const picture = renderFrame(await this.dataSet(ref, instance), number, maxSide, window);
    if (!picture) throw new NotFound();
    return picture;
  }

  /**
   * One instance parsed in memory: a single image (a CT slice is about half a megabyte), let go when the request
   * ends, so memory follows the requests in flight rather than the study's size.
   */
  private async dataSet(ref: CaseRef, instance: IndexedInstance): Promise<DataSet> {
    const file = await this.records.find(ref.tenantId, instance.fileId);
    const chunks: Buffer[] = [];
    for await (const chunk of this.storage.read(this.storedOf(file))) chunks.push(chunk);
    return parseDataSet(Buffer.concat(chunks));
  }

  private storedOf(file: RecordFile) {
    if (file.status !== 'ready' || !file.stored) throw new NotFound();
    return file.stored;
  }

  /** The case's instances; a SOP instance stored twice (the same image in two encodings) is served from the first. */
  private async indexed(ref: CaseRef): Promise<IndexedInstance[]> {
    return this.indexedOf(await this.records.list(ref));
  }

  private indexedOf(files: RecordFile[]): IndexedInstance[] {
    const seen = new Set<string>();
    const out: IndexedInstance[] = [];
    for (const file of files) {
      const meta = file.dicom;
      if (file.status !== 'ready' || !meta?.studyInstanceUid || !meta.seriesInstanceUid || !meta.sopInstanceUid) continue;
      if (seen.has(meta.sopInstanceUid)) continue;
      seen.add(meta.sopInstanceUid);
      out.push({ fileId: file.id, meta: meta as IndexedInstance['meta'] });
    }
    return out;
  }
}

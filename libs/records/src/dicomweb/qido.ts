import { DicomMetadata } from '../dicom/dicom-metadata';
import { DicomJson } from './dicom-json';

/** A ready DICOM file of the case that names its study, series and instance. */
export interface IndexedInstance {
  fileId: string;
  meta: DicomMetadata & { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string };
}

/** QIDO-RS matching keys we answer (PS3.18 8.3.4): UIDs (lists allowed), modality, and paging. */
export interface QidoQuery {
  StudyInstanceUID?: string;
  SeriesInstanceUID?: string;
  SOPInstanceUID?: string;
  Modality?: string;
  ModalitiesInStudy?: string;
  limit?: string;
  offset?: string;
}

const UID = (value: string) => ({ vr: 'UI', Value: [value] });
const TEXT = (vr: string, value: string | null) => (value ? { vr, Value: [value] } : { vr });
const COUNT = (value: number) => ({ vr: 'IS', Value: [value] });
const DATE = (value: string | null) => TEXT('DA', value ? value.replaceAll('-', '') : null);

function matches(value: string | null, wanted: string | undefined): boolean {
  if (!wanted) return true;
  return value !== null && wanted.split(/[,\\]/).some((w) => w.trim() === value);
}

function page<T>(items: T[], query: QidoQuery): T[] {
  const offset = Math.max(0, Number.parseInt(query.offset ?? '0', 10) || 0);
  const limit = Number.parseInt(query.limit ?? '', 10);
  return items.slice(offset, Number.isFinite(limit) && limit > 0 ? offset + limit : undefined);
}

function groupBy(instances: IndexedInstance[], key: (i: IndexedInstance) => string): IndexedInstance[][] {
  const groups = new Map<string, IndexedInstance[]>();
  for (const instance of instances) groups.set(key(instance), [...(groups.get(key(instance)) ?? []), instance]);
  return [...groups.values()];
}

export function searchStudies(instances: IndexedInstance[], query: QidoQuery): DicomJson[] {
  const studies = groupBy(
    instances.filter((i) => matches(i.meta.studyInstanceUid, query.StudyInstanceUID)),
    (i) => i.meta.studyInstanceUid,
  ).filter((members) => {
    const wanted = query.ModalitiesInStudy ?? query.Modality;
    return !wanted || members.some((i) => matches(i.meta.modality, wanted));
  });
  return page(studies, query).map((members) => {
    const first = members[0].meta;
    const modalities = [...new Set(members.map((i) => i.meta.modality).filter((m): m is string => !!m))].sort();
    return {
      '00080020': DATE(first.studyDate),
      '00080061': modalities.length ? { vr: 'CS', Value: modalities } : { vr: 'CS' },
      '00081030': TEXT('LO', first.studyDescription),
      '0020000D': UID(first.studyInstanceUid),
      '00201206': COUNT(new Set(members.map((i) => i.meta.seriesInstanceUid)).size),
      '00201208': COUNT(members.length),
    };
  });
}

export function searchSeries(instances: IndexedInstance[], query: QidoQuery): DicomJson[] {
  const series = groupBy(
    instances.filter(
      (i) =>
        matches(i.meta.studyInstanceUid, query.StudyInstanceUID) &&
        matches(i.meta.seriesInstanceUid, query.SeriesInstanceUID) &&
        matches(i.meta.modality, query.Modality),
    ),
    (i) => i.meta.seriesInstanceUid,
  );
  return page(series, query).map((members) => {
    const first = members[0].meta;
    return {
      '00080020': DATE(first.studyDate),
      '00080060': TEXT('CS', first.modality),
      '0008103E': TEXT('LO', first.seriesDescription),
      '00180015': TEXT('CS', first.bodyPart),
      '0020000D': UID(first.studyInstanceUid),
      '0020000E': UID(first.seriesInstanceUid),
      '00201209': COUNT(members.length),
    };
  });
}

export function searchInstances(instances: IndexedInstance[], query: QidoQuery): DicomJson[] {
  const found = instances.filter(
    (i) =>
      matches(i.meta.studyInstanceUid, query.StudyInstanceUID) &&
      matches(i.meta.seriesInstanceUid, query.SeriesInstanceUID) &&
      matches(i.meta.sopInstanceUid, query.SOPInstanceUID) &&
      matches(i.meta.modality, query.Modality),
  );
  return page(found, query).map(({ meta }) => ({
    '00080016': meta.sopClassUid ? UID(meta.sopClassUid) : { vr: 'UI' },
    '00080018': UID(meta.sopInstanceUid),
    '00080060': TEXT('CS', meta.modality),
    '0020000D': UID(meta.studyInstanceUid),
    '0020000E': UID(meta.seriesInstanceUid),
    '00280008': meta.numberOfFrames ? COUNT(meta.numberOfFrames) : { vr: 'IS' },
  }));
}

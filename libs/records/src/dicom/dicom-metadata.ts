import { TRANSFER_SYNTAX, WANTED_TAGS } from './dicom-tags';

/** What the platform keeps of a DICOM file: enough to describe the study, nothing that names the patient. */
export interface DicomMetadata {
  transferSyntax: string;
  /** Set for the retired explicit VR big endian syntax: accepted and parsed, flagged for viewers that lack it. */
  retiredTransferSyntax: boolean;
  sopClassUid: string | null;
  sopInstanceUid: string | null;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  modality: string | null;
  bodyPart: string | null;
  /** ISO date, YYYY-MM-DD. */
  studyDate: string | null;
  studyDescription: string | null;
  seriesDescription: string | null;
  numberOfFrames: number | null;
}

/** One study across the files of a case or an archive. */
export interface StudySummary {
  studyInstanceUid: string;
  studyDate: string | null;
  studyDescription: string | null;
  modalities: string[];
  bodyParts: string[];
  seriesCount: number;
  instanceCount: number;
}

export function toMetadata(transferSyntax: string, values: Map<number, Buffer>): DicomMetadata {
  const utf8 = /ISO_IR 192/.test(values.get(WANTED_TAGS.characterSet)?.toString('latin1') ?? '');
  const text = (tag: number, max = 256): string | null => {
    const raw = values.get(tag);
    if (!raw) return null;
    // Control characters never belong in these values; stripping them keeps logs and pages safe.
    const value = raw
      .toString(utf8 ? 'utf8' : 'latin1')
      // eslint-disable-next-line no-control-regex -- control characters are what this removes
      .replace(/[\0-\x1f\x7f]/g, '')
      .trim();
    return value ? value.slice(0, max) : null;
  };
  const uid = (tag: number): string | null => {
    const value = text(tag, 64);
    return value && /^[0-9.]+$/.test(value) ? value : null;
  };
  const frames = Number.parseInt(text(WANTED_TAGS.numberOfFrames) ?? '', 10);
  return {
    transferSyntax,
    retiredTransferSyntax: transferSyntax === TRANSFER_SYNTAX.explicitBig,
    sopClassUid: uid(WANTED_TAGS.sopClassUid),
    sopInstanceUid: uid(WANTED_TAGS.sopInstanceUid),
    studyInstanceUid: uid(WANTED_TAGS.studyInstanceUid),
    seriesInstanceUid: uid(WANTED_TAGS.seriesInstanceUid),
    modality: text(WANTED_TAGS.modality, 16),
    bodyPart: text(WANTED_TAGS.bodyPart, 64),
    studyDate: isoDate(text(WANTED_TAGS.studyDate)),
    studyDescription: text(WANTED_TAGS.studyDescription),
    seriesDescription: text(WANTED_TAGS.seriesDescription),
    numberOfFrames: Number.isFinite(frames) && frames > 0 ? frames : null,
  };
}

/** DA is YYYYMMDD; old ACR-NEMA files wrote YYYY.MM.DD. Anything else is dropped rather than guessed. */
function isoDate(value: string | null): string | null {
  const match = value?.match(/^(\d{4})\.?(\d{2})\.?(\d{2})$/);
  if (!match) return null;
  const iso = `${match[1]}-${match[2]}-${match[3]}`;
  return Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) ? null : iso;
}

/** Groups files by study; an instance seen twice (the same image in two encodings) counts once. */
export function summarizeStudies(files: DicomMetadata[]): StudySummary[] {
  const studies = new Map<
    string,
    { first: DicomMetadata; modalities: Set<string>; bodyParts: Set<string>; series: Set<string>; instances: Set<string> }
  >();
  for (const file of files) {
    if (!file.studyInstanceUid) continue;
    let study = studies.get(file.studyInstanceUid);
    if (!study) {
      study = { first: file, modalities: new Set(), bodyParts: new Set(), series: new Set(), instances: new Set() };
      studies.set(file.studyInstanceUid, study);
    }
    if (file.modality) study.modalities.add(file.modality);
    if (file.bodyPart) study.bodyParts.add(file.bodyPart);
    if (file.seriesInstanceUid) study.series.add(file.seriesInstanceUid);
    study.instances.add(file.sopInstanceUid ?? `file-${study.instances.size}`);
  }
  return [...studies.entries()].map(([studyInstanceUid, s]) => ({
    studyInstanceUid,
    studyDate: s.first.studyDate,
    studyDescription: s.first.studyDescription,
    modalities: [...s.modalities].sort(),
    bodyParts: [...s.bodyParts].sort(),
    seriesCount: s.series.size,
    instanceCount: s.instances.size,
  }));
}

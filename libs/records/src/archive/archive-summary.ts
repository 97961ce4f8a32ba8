import { StudySummary } from '../dicom/dicom-metadata';

/** What an expanded archive turned into; stored on the archive's row. */
export interface ArchiveSummary {
  entries: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  expandedBytes: number;
  studies: StudySummary[];
}

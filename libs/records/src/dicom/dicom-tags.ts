export const TRANSFER_SYNTAX = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  explicitBig: '1.2.840.10008.1.2.2',
  deflated: '1.2.840.10008.1.2.1.99',
} as const;

/** The top-level elements kept (group << 16 | element); nothing that names or identifies the patient. */
export const WANTED_TAGS = {
  transferSyntax: 0x00020010,
  characterSet: 0x00080005,
  sopClassUid: 0x00080016,
  sopInstanceUid: 0x00080018,
  studyDate: 0x00080020,
  modality: 0x00080060,
  studyDescription: 0x00081030,
  seriesDescription: 0x0008103e,
  bodyPart: 0x00180015,
  studyInstanceUid: 0x0020000d,
  seriesInstanceUid: 0x0020000e,
  numberOfFrames: 0x00280008,
  rows: 0x00280010,
} as const;

import { DataSet, Element } from 'dicom-parser';

/** One attribute of the DICOM JSON model (PS3.18 F.2). */
export interface DicomJsonAttribute {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}
export type DicomJson = Record<string, DicomJsonAttribute>;

/**
 * VRs of the attributes a viewer needs, for implicit VR files (which carry no VR of their own). An implicit VR
 * attribute missing here is left out of the metadata rather than guessed at; explicit VR files keep everything.
 */
const IMPLICIT_VR: Record<string, string> = {
  '00020010': 'UI',
  '00080005': 'CS',
  '00080008': 'CS',
  '00080016': 'UI',
  '00080018': 'UI',
  '00080020': 'DA',
  '00080021': 'DA',
  '00080022': 'DA',
  '00080023': 'DA',
  '00080030': 'TM',
  '00080031': 'TM',
  '00080032': 'TM',
  '00080033': 'TM',
  '00080050': 'SH',
  '00080060': 'CS',
  '00080070': 'LO',
  '00081030': 'LO',
  '0008103E': 'LO',
  '00100010': 'PN',
  '00100020': 'LO',
  '00100030': 'DA',
  '00100040': 'CS',
  '00180015': 'CS',
  '00180050': 'DS',
  '00180060': 'DS',
  '00180088': 'DS',
  '00181030': 'LO',
  '00185100': 'CS',
  '0020000D': 'UI',
  '0020000E': 'UI',
  '00200010': 'SH',
  '00200011': 'IS',
  '00200012': 'IS',
  '00200013': 'IS',
  '00200032': 'DS',
  '00200037': 'DS',
  '00200052': 'UI',
  '00201041': 'DS',
  '00280002': 'US',
  '00280004': 'CS',
  '00280006': 'US',
  '00280008': 'IS',
  '00280010': 'US',
  '00280011': 'US',
  '00280030': 'DS',
  '00280034': 'IS',
  '00280100': 'US',
  '00280101': 'US',
  '00280102': 'US',
  '00280103': 'US',
  '00281050': 'DS',
  '00281051': 'DS',
  '00281052': 'DS',
  '00281053': 'DS',
  '00281054': 'LO',
  '00282110': 'CS',
};

const STRINGS = new Set(['AE', 'AS', 'CS', 'DA', 'DT', 'LO', 'LT', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
const NUMBER_STRINGS = new Set(['DS', 'IS']);
const BINARY = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
/** Binary values past this size are not inlined (a viewer does not need them; pixel data goes through frames). */
const MAX_INLINE_BINARY = 4096;
const PIXEL_DATA = 'x7fe00010';

/** The data set as DICOM JSON: the file meta group's transfer syntax, then the data set (pixel data left out). */
export function toDicomJson(dataSet: DataSet): DicomJson {
  const out: DicomJson = {};
  for (const element of Object.values(dataSet.elements).sort((x, y) => x.tag.localeCompare(y.tag))) {
    const tag = element.tag.slice(1).toUpperCase();
    if (element.tag === PIXEL_DATA) continue;
    // Group 0002 is the file's, not the instance's, except its transfer syntax, which a viewer needs to decode.
    if (tag.startsWith('0002') && tag !== '00020010') continue;
    // Group lengths (gggg0000) are retired and meaningless once the data set is re-encoded.
    if (tag.endsWith('0000')) continue;
    const attribute = toAttribute(dataSet, element, tag);
    if (attribute) out[tag] = attribute;
  }
  return out;
}

function toAttribute(dataSet: DataSet, element: Element, tag: string): DicomJsonAttribute | null {
  const vr = element.vr ?? (element.items ? 'SQ' : IMPLICIT_VR[tag]);
  if (!vr) return null;
  if (vr === 'SQ') {
    const items = (element.items ?? []).filter((item) => item.dataSet).map((item) => toDicomJson(item.dataSet!));
    return items.length ? { vr, Value: items } : { vr };
  }
  if (element.length === 0) return { vr };
  if (STRINGS.has(vr)) {
    const raw = dataSet.string(element.tag) ?? '';
    const values = ['LT', 'ST', 'UT', 'UR'].includes(vr) ? [raw] : raw.split('\\').map((v) => v.trim());
    return { vr, Value: values.map((v) => (v === '' ? null : v)) };
  }
  if (NUMBER_STRINGS.has(vr)) {
    const values = (dataSet.string(element.tag) ?? '').split('\\').map((v) => v.trim());
    return { vr, Value: values.map((v) => (v === '' || !Number.isFinite(Number(v)) ? null : Number(v))) };
  }
  if (vr === 'PN') {
    const values = (dataSet.string(element.tag) ?? '').split('\\');
    return { vr, Value: values.map((v) => (v ? { Alphabetic: v.trim() } : null)) };
  }
  const numeric = numericReader(dataSet, vr);
  if (numeric) {
    const values: number[] = [];
    for (let i = 0; i < element.length / numeric.size; i++) values.push(numeric.read(element.tag, i) ?? 0);
    return { vr, Value: values };
  }
  if (vr === 'AT') {
    const values: string[] = [];
    for (let i = 0; i < element.length / 4; i++) {
      const group = dataSet.uint16(element.tag, i * 2) ?? 0;
      const number = dataSet.uint16(element.tag, i * 2 + 1) ?? 0;
      values.push(((group << 16) | number).toString(16).padStart(8, '0').toUpperCase());
    }
    return { vr, Value: values };
  }
  if (BINARY.has(vr)) {
    if (element.length > MAX_INLINE_BINARY || element.dataOffset + element.length > dataSet.byteArray.length) return { vr };
    const bytes = Buffer.from(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + element.dataOffset, element.length);
    return { vr, InlineBinary: bytes.toString('base64') };
  }
  return null;
}

function numericReader(dataSet: DataSet, vr: string): { size: number; read: (tag: string, i: number) => number | undefined } | null {
  switch (vr) {
    case 'US':
      return { size: 2, read: (t, i) => dataSet.uint16(t, i) };
    case 'SS':
      return { size: 2, read: (t, i) => dataSet.int16(t, i) };
    case 'UL':
      return { size: 4, read: (t, i) => dataSet.uint32(t, i) };
    case 'SL':
      return { size: 4, read: (t, i) => dataSet.int32(t, i) };
    case 'FL':
      return { size: 4, read: (t, i) => dataSet.float(t, i) };
    case 'FD':
      return { size: 8, read: (t, i) => dataSet.double(t, i) };
    default:
      return null;
  }
}

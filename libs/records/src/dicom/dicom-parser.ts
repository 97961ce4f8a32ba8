import { DicomTruncated, DicomUnsupported, FileDamaged } from '../records.errors';
import { ByteReader, EndOfData } from '../sniff/byte-reader';
import { DicomMetadata, toMetadata } from './dicom-metadata';
import { TRANSFER_SYNTAX, WANTED_TAGS } from './dicom-tags';

const UNDEFINED = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const PIXEL_DATA = 0x7fe00010;
const MAX_DEPTH = 32;
/** Values longer than this are never needed for metadata and are skipped unread. */
const MAX_VALUE = 1024;
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

const WANTED = new Set<number>(Object.values(WANTED_TAGS));

interface Encoding {
  explicit: boolean;
  little: boolean;
}

interface Header {
  tag: number;
  vr: string | null;
  length: number;
}

/**
 * Reads a DICOM Part 10 stream: the preamble, "DICM", the file meta group, then the data set in explicit or implicit VR
 * little endian or (retired, still seen in archives) explicit VR big endian, walking sequences and encapsulated pixel
 * data, and skipping every value it does not keep. A stream that ends inside an element is a truncated file.
 */
export async function parseDicom(source: AsyncIterable<Buffer>): Promise<DicomMetadata> {
  const reader = new ByteReader(source);
  try {
    return await new DicomWalker(reader).parse();
  } catch (error) {
    if (error instanceof EndOfData) throw new DicomTruncated();
    throw error;
  } finally {
    await reader.close();
  }
}

class DicomWalker {
  readonly values = new Map<number, Buffer>();
  private sawPixelData = false;

  constructor(private readonly reader: ByteReader) {}

  async parse(): Promise<DicomMetadata> {
    await this.reader.skip(128);
    if ((await this.reader.read(4)).toString('latin1') !== 'DICM') throw new FileDamaged('dicom');
    const meta: Encoding = { explicit: true, little: true };
    for (;;) {
      const next = await this.reader.peek(2);
      if (next.length < 2 || next.readUInt16LE(0) !== 0x0002) break;
      await this.element(meta, 0);
    }
    const syntax = this.values.get(WANTED_TAGS.transferSyntax);
    if (!syntax) throw new FileDamaged('dicom');
    const uid = syntax.toString('latin1').replace(/[\0\s]+$/, '');
    if (uid === TRANSFER_SYNTAX.deflated) throw new DicomUnsupported('deflated');
    const data: Encoding = {
      explicit: uid !== TRANSFER_SYNTAX.implicitLittle,
      little: uid !== TRANSFER_SYNTAX.explicitBig,
    };
    while (!(await this.reader.atEnd())) await this.element(data, 0);
    // An image whose pixel data never came was cut off at an element boundary.
    if (this.values.has(WANTED_TAGS.rows) && !this.sawPixelData) throw new DicomTruncated();
    return toMetadata(uid, this.values);
  }

  private async element(encoding: Encoding, depth: number): Promise<number> {
    const { tag, vr, length } = await this.header(encoding);
    if (tag === ITEM || tag === ITEM_END || tag === SEQUENCE_END) {
      if (depth > 0 && tag === ITEM_END) return tag;
      throw new FileDamaged('dicom');
    }
    if (tag === PIXEL_DATA && depth === 0) this.sawPixelData = true;
    if (length === UNDEFINED) {
      if (tag === PIXEL_DATA) await this.fragments(encoding);
      // An undefined-length UN holds implicit VR little endian (PS3.5 6.2.2).
      else await this.sequence(vr === 'UN' ? { explicit: false, little: true } : encoding, depth + 1);
    } else if (depth === 0 && WANTED.has(tag) && length <= MAX_VALUE) {
      this.values.set(tag, await this.reader.read(length));
    } else {
      await this.reader.skip(length);
    }
    return tag;
  }

  private async header(encoding: Encoding): Promise<Header> {
    const raw = await this.reader.read(4);
    const group = encoding.little ? raw.readUInt16LE(0) : raw.readUInt16BE(0);
    const element = encoding.little ? raw.readUInt16LE(2) : raw.readUInt16BE(2);
    const tag = ((group << 16) | element) >>> 0;
    const u32 = (b: Buffer) => (encoding.little ? b.readUInt32LE(0) : b.readUInt32BE(0));
    // Items and delimiters carry no VR in any encoding.
    if (group === 0xfffe || !encoding.explicit) return { tag, vr: null, length: u32(await this.reader.read(4)) };
    const vr = (await this.reader.read(2)).toString('latin1');
    if (!/^[A-Z]{2}$/.test(vr)) throw new FileDamaged('dicom');
    if (LONG_VRS.has(vr)) {
      await this.reader.skip(2);
      return { tag, vr, length: u32(await this.reader.read(4)) };
    }
    const short = await this.reader.read(2);
    return { tag, vr, length: encoding.little ? short.readUInt16LE(0) : short.readUInt16BE(0) };
  }

  /** A sequence of undefined length: items (each of defined or undefined length) up to the sequence delimiter. */
  private async sequence(encoding: Encoding, depth: number): Promise<void> {
    if (depth > MAX_DEPTH) throw new FileDamaged('dicom');
    for (;;) {
      const { tag, length } = await this.header({ ...encoding, explicit: false });
      if (tag === SEQUENCE_END) return;
      if (tag !== ITEM) throw new FileDamaged('dicom');
      if (length !== UNDEFINED) {
        await this.reader.skip(length);
        continue;
      }
      while ((await this.element(encoding, depth)) !== ITEM_END);
    }
  }

  /** Encapsulated (compressed) pixel data: an offset table item, then one or more fragments, then the delimiter. */
  private async fragments(encoding: Encoding): Promise<void> {
    for (;;) {
      const { tag, length } = await this.header({ ...encoding, explicit: false });
      if (tag === SEQUENCE_END) return;
      if (tag !== ITEM || length === UNDEFINED) throw new FileDamaged('dicom');
      await this.reader.skip(length);
    }
  }
}

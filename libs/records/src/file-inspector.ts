import { Injectable } from '@nestjs/common';
import { DicomMetadata } from './dicom/dicom-metadata';
import { parseDicom } from './dicom/dicom-parser';
import { FileDamaged } from './records.errors';
import { RecordsSettings } from './records-settings';
import { ByteReader, EndOfData } from './sniff/byte-reader';
import { DetectedType } from './sniff/content-sniffer';
import { checkImageSize } from './sniff/image-dimensions';
import { FileStorage, StoredObject } from './storage/file-storage';

/**
 * The full check of one stored file, after the first-bytes check at upload: DICOM is parsed to its end (a truncated
 * file is refused, study metadata kept); an image's header is read wherever it lies (a JPEG's frame header can
 * follow hundreds of kilobytes of EXIF and ICC data). Throws a FileRejected subclass when the file is refused.
 */
@Injectable()
export class FileInspector {
  constructor(
    private readonly storage: FileStorage,
    private readonly settings: RecordsSettings,
  ) {}

  async inspect(type: DetectedType, stored: StoredObject): Promise<{ dicom?: DicomMetadata }> {
    switch (type) {
      case 'dicom':
        return { dicom: await parseDicom(this.storage.read(stored)) };
      case 'jpeg':
      case 'png':
      case 'gif':
      case 'webp':
      case 'tiff': {
        const reader = new ByteReader(this.storage.read(stored));
        try {
          await checkImageSize(type, reader, this.settings.maxImagePixels);
        } catch (error) {
          throw error instanceof EndOfData ? new FileDamaged('image') : error;
        } finally {
          await reader.close();
        }
        return {};
      }
      case 'pdf':
      case 'zip':
        return {};
    }
  }
}

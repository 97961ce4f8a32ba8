import { createReadStream, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseDicom } from './dicom-parser';

const FIXTURES = path.resolve(__dirname, '../../../../../shared/fixtures/dicom');

it('prints', async () => {
  for (const f of readdirSync(FIXTURES)) {
    try { console.log(f, await parseDicom(createReadStream(path.join(FIXTURES, f)))); } catch (e) { console.log(f, 'ERR', e); }
  }
});

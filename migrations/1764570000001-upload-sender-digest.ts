import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A resumable upload may announce, at creation, the SHA-256 its sender computed of the whole file (the browser, with
 * WebCrypto). Any instance may complete the upload, so the digest lives in the session's row; the completed file
 * is refused when its bytes do not have it.
 */
export class UploadSenderDigest1764570000001 implements MigrationInterface {
  name = 'UploadSenderDigest1764570000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE upload_sessions ADD COLUMN expected_sha256 text CHECK (expected_sha256 ~ '^[0-9a-f]{64}$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE upload_sessions DROP COLUMN expected_sha256`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Resumable uploads are staged in the records storage itself, so any instance can take the next part: on S3 as the
 * parts of one multipart upload (its id, and each part's number, size and ETag, in the row), locally as one sealed
 * file per part under the storage root. The row is the commit point, and a lease (token, until when) lets one
 * append at a time write, whichever instance took it; a dead instance's lease lapses by itself.
 *
 * Unfinished sessions staged the old way (one growing file on the disk of the instance that took them) cannot be
 * continued: they are removed, and their clients are told to start again (404). Finished ones are kept.
 */
export class UploadsStagedInStorage1764420000000 implements MigrationInterface {
  name = 'UploadsStagedInStorage1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Every hospital's rows: the owner is subject to its own policy while FORCEd, so it is lifted for this statement.
      ALTER TABLE upload_sessions NO FORCE ROW LEVEL SECURITY;
      DELETE FROM upload_sessions WHERE file_id IS NULL;
      ALTER TABLE upload_sessions FORCE ROW LEVEL SECURITY;

      ALTER TABLE upload_sessions
        DROP COLUMN frames,
        DROP COLUMN staged_bytes,
        ALTER COLUMN key_id DROP NOT NULL,
        ALTER COLUMN wrapped_key DROP NOT NULL,
        ADD COLUMN storage_backend text NOT NULL DEFAULT 'local' CHECK (storage_backend IN ('local', 's3')),
        -- S3: the multipart upload the parts belong to.
        ADD COLUMN storage_upload_id text CHECK (length(storage_upload_id) BETWEEN 1 AND 1024),
        -- Committed parts in order: [{ "number", "size", "tag" }], tag being the S3 ETag or the local part's nonce.
        ADD COLUMN parts jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(parts) = 'array'),
        -- S3: bytes too few for a part of their own yet (under 5 MiB), kept as an object until the next append.
        ADD COLUMN tail jsonb CHECK (tail IS NULL OR jsonb_typeof(tail) = 'object'),
        ADD COLUMN lease_token uuid,
        ADD COLUMN leased_until timestamptz,
        ADD CONSTRAINT upload_sessions_staging CHECK (
          CASE storage_backend
            WHEN 'local' THEN key_id IS NOT NULL AND wrapped_key IS NOT NULL AND tail IS NULL
            ELSE storage_upload_id IS NOT NULL AND key_id IS NULL AND wrapped_key IS NULL
          END
        ),
        ADD CONSTRAINT upload_sessions_lease CHECK ((lease_token IS NULL) = (leased_until IS NULL));
      ALTER TABLE upload_sessions ALTER COLUMN storage_backend DROP DEFAULT;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE upload_sessions NO FORCE ROW LEVEL SECURITY;
      DELETE FROM upload_sessions WHERE file_id IS NULL OR storage_backend <> 'local';
      ALTER TABLE upload_sessions FORCE ROW LEVEL SECURITY;
      ALTER TABLE upload_sessions
        DROP CONSTRAINT upload_sessions_lease,
        DROP CONSTRAINT upload_sessions_staging,
        DROP COLUMN leased_until,
        DROP COLUMN lease_token,
        DROP COLUMN tail,
        DROP COLUMN parts,
        DROP COLUMN storage_upload_id,
        DROP COLUMN storage_backend,
        ALTER COLUMN key_id SET NOT NULL,
        ALTER COLUMN wrapped_key SET NOT NULL,
        ADD COLUMN frames integer NOT NULL DEFAULT 0 CHECK (frames >= 0),
        ADD COLUMN staged_bytes bigint NOT NULL DEFAULT 0 CHECK (staged_bytes >= 0);
    `);
  }
}

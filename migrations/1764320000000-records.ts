import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Uploaded records (PDFs, images, DICOM, archives of studies and the files expanded from them) and the sessions of
 * resumable (tus) uploads. `case_id` has no foreign key yet: the intake migration creates `cases` and adds
 * `FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id)` to both tables.
 */
export class Records1764320000000 implements MigrationInterface {
  name = 'Records1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE record_files (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        -- Files expanded from an archive point at it; the entry's index (never its path) keeps a re-run idempotent.
        parent_id uuid,
        archive_entry integer CHECK (archive_entry >= 0),
        status text NOT NULL CHECK (status IN ('uploaded', 'processing', 'ready', 'rejected')),
        rejection_code text CHECK (rejection_code ~ '^[a-z_]{3,60}$'),
        rejection_message text CHECK (length(rejection_message) <= 500),
        -- The name the patient gave, cleaned: shown back to them and used for downloads, never for storage or logs.
        display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 255),
        detected_type text CHECK (detected_type IN ('pdf', 'dicom', 'zip', 'jpeg', 'png', 'gif', 'webp', 'tiff')),
        size_bytes bigint CHECK (size_bytes >= 0),
        sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        storage_backend text CHECK (storage_backend IN ('local', 's3')),
        storage_key text,
        key_id text,
        wrapped_key bytea CHECK (octet_length(wrapped_key) = 60),
        preamble_zeroed boolean NOT NULL DEFAULT false,
        duplicate_of uuid,
        dicom jsonb,
        archive jsonb,
        uploaded_by uuid,
        -- The processing attempt that holds the file, until when: a second attempt waits, a dead one's lease lapses.
        claim_token uuid,
        claimed_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, parent_id) REFERENCES record_files (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, duplicate_of) REFERENCES record_files (tenant_id, id) ON DELETE SET NULL (duplicate_of),
        UNIQUE (tenant_id, parent_id, archive_entry),
        CHECK ((status = 'rejected') = (rejection_code IS NOT NULL AND rejection_message IS NOT NULL)),
        CHECK ((parent_id IS NULL) = (archive_entry IS NULL)),
        CHECK (storage_key IS NULL OR (storage_backend IS NOT NULL AND sha256 IS NOT NULL AND size_bytes IS NOT NULL)),
        CHECK (storage_backend IS DISTINCT FROM 'local' OR storage_key IS NULL OR (key_id IS NOT NULL AND wrapped_key IS NOT NULL))
      );
      -- A case lists its files in upload order.
      CREATE INDEX record_files_by_case ON record_files (tenant_id, case_id, created_at);
      CREATE INDEX record_files_by_parent ON record_files (tenant_id, parent_id) WHERE parent_id IS NOT NULL;
      -- The same bytes are kept once per case; a second upload is recorded as a rejected duplicate instead.
      CREATE UNIQUE INDEX record_files_one_copy ON record_files (tenant_id, case_id, sha256) WHERE status <> 'rejected';
      ALTER TABLE record_files ENABLE ROW LEVEL SECURITY;
      ALTER TABLE record_files FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON record_files
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE upload_sessions (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 255),
        upload_length bigint NOT NULL CHECK (upload_length > 0),
        upload_offset bigint NOT NULL DEFAULT 0,
        -- The staged partial file is sealed like stored files: its frame count and size on disk let an interrupted
        -- append be cut back to the last committed frame.
        frames integer NOT NULL DEFAULT 0 CHECK (frames >= 0),
        staged_bytes bigint NOT NULL DEFAULT 0 CHECK (staged_bytes >= 0),
        key_id text NOT NULL,
        wrapped_key bytea NOT NULL CHECK (octet_length(wrapped_key) = 60),
        file_id uuid,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id),
        CHECK (upload_offset BETWEEN 0 AND upload_length),
        FOREIGN KEY (tenant_id, file_id) REFERENCES record_files (tenant_id, id) ON DELETE SET NULL (file_id)
      );
      CREATE INDEX upload_sessions_expiry ON upload_sessions (tenant_id, expires_at);
      ALTER TABLE upload_sessions ENABLE ROW LEVEL SECURITY;
      ALTER TABLE upload_sessions FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON upload_sessions
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE upload_sessions;
      DROP TABLE record_files;
    `);
  }
}

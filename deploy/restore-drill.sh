#!/usr/bin/env bash
# Restore drill: proves that a backup of the Consilium database restores whole, with row-level security intact.
#
#   SOURCE_DATABASE_URL=postgres://admin:...@db:5432/consilium deploy/restore-drill.sh [--keep] [--dump-dir DIR]
#       dumps the database (pg_dump, custom format), restores it into a new database on the same server (or on
#       RESTORE_ADMIN_URL's server), verifies it against the source, and drops it unless --keep.
#   SOURCE_DATABASE_URL=... deploy/restore-drill.sh verify <restored database>
#       only the verification, e.g. after restoring a real backup next to the live database.
#
# SOURCE_DATABASE_URL must be a superuser or a role with BYPASSRLS that can read every table: pg_dump refuses to
# dump rows that row-level security would hide (its safe default). The roles consilium_owner, consilium_app and
# consilium_operator must exist on the restore server (`cli db provision`), since the dump keeps ownership and grants.
# pg_dump must be at least the server's major version; the postgres:18 image has the right one:
#   docker compose -f deploy/compose.yaml exec -e SOURCE_DATABASE_URL=postgres://postgres:...@127.0.0.1/consilium \
#     postgres bash -s < deploy/restore-drill.sh
# Connection URLs are passed to psql and pg_dump as arguments: run it where other users cannot list processes.
set -euo pipefail

keep=0
dump_dir=
mode=drill
target=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --dump-dir) dump_dir=$2; shift ;;
    verify) mode=verify; target=${2:?verify needs the name of the restored database}; shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

source_url=${SOURCE_DATABASE_URL:?set SOURCE_DATABASE_URL to a superuser (or BYPASSRLS) URL of the database to back up}
admin_url=${RESTORE_ADMIN_URL:-$source_url}
for tool in psql pg_dump pg_restore; do
  command -v "$tool" > /dev/null || { echo "restore drill: $tool is not installed (Debian: postgresql-client)" >&2; exit 2; }
done

# postgres://user:pass@host:port/db?opts -> the same URL with another database name.
with_database() { printf '%s' "$1" | sed -E "s#^(postgres(ql)?://[^/]+/)[^?]*#\\1$2#"; }
q() { psql "$1" -X -q -v ON_ERROR_STOP=1 -At -F '|' -c "$2"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

source_db=$(q "$source_url" 'SELECT current_database()')
server_major=$(q "$source_url" 'SHOW server_version_num')
server_major=$((server_major / 10000))
dump_major=$(pg_dump --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*( .*)?$/\1/')
if [ "$dump_major" -lt "$server_major" ]; then
  echo "restore drill: pg_dump $dump_major cannot dump a PostgreSQL $server_major server; use pg_dump $server_major or newer" \
    "(the postgres:$server_major image has it)" >&2
  exit 3
fi

# --- what must survive, read the same way from both databases, in one session each --------------------------
# Superusers and BYPASSRLS roles see every row, so counts are whole-table counts.
TABLES="FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
snapshot() {
  psql "$1" -X -q -v ON_ERROR_STOP=1 -At -F '|' <<SQL
\echo '## rows'
SELECT string_agg(format('SELECT %L, count(*) FROM public.%I', c.relname, c.relname), ' UNION ALL ' ORDER BY c.relname) || ' ORDER BY 1' $TABLES
\gexec
\echo '## row-level security (table|enabled|forced|owner)'
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) $TABLES ORDER BY 1;
\echo '## policies'
SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'public' ORDER BY 1, 2;
\echo '## grants'
SELECT c.relname, c.relacl::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S') ORDER BY 1;
-- Default privileges decide what the runtime role may do with tables that later migrations create.
SELECT pg_get_userbyid(defaclrole), defaclnamespace::regnamespace::text, defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2, 3;
\echo '## triggers'
SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2;
\echo '## migrations'
SELECT name FROM public.migrations ORDER BY id;
SQL
}

# As the runtime role with no tenant set, no tenant row may be visible: every table it may read with row-level
# security on, except where a policy opens reads to everyone on purpose (the host lookup on tenant_domains).
rls_probe() {
  psql "$1" -X -q -v ON_ERROR_STOP=1 -At -F '|' <<SQL
BEGIN;
SET LOCAL ROLE consilium_app;
SELECT set_config('app.tenant_id', '', true) \g /dev/null
SELECT string_agg(format('SELECT %L, count(*) FROM public.%I', c.relname, c.relname), ' UNION ALL ' ORDER BY c.relname) $TABLES
   AND c.relrowsecurity AND has_table_privilege('consilium_app', c.oid, 'SELECT')
   AND NOT EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname
                   AND p.cmd IN ('SELECT', 'ALL') AND p.qual = 'true')
\gexec
ROLLBACK;
SQL
}

verify() {
  local target_url=$1 expected actual visible
  expected=$(snapshot "$source_url")
  actual=$(snapshot "$target_url")
  if [ "$expected" != "$actual" ]; then
    echo "FAIL: the restored database differs from the source (< source, > restored):"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | grep '^[<>]' | sed 's/^/  /' || true
    return 1
  fi
  visible=$(rls_probe "$target_url" | awk -F '|' '$2 > 0')
  if [ -n "$visible" ]; then
    echo "FAIL: the runtime role sees tenant rows with no tenant set (table|rows):"
    printf '  %s\n' "$visible"
    return 1
  fi
  local tables rows secured policies
  tables=$(printf '%s\n' "$actual" | sed -n '/^## rows/,/^## /p' | grep -c '|')
  rows=$(printf '%s\n' "$actual" | sed -n '/^## rows/,/^## /p' | awk -F '|' 'NF == 2 { s += $2 } END { print s + 0 }')
  secured=$(printf '%s\n' "$actual" | sed -n '/^## row-level/,/^## policies/p' | grep -c '|t|t|')
  policies=$(printf '%s\n' "$actual" | sed -n '/^## policies/,/^## grants/p' | grep -c '|')
  echo "  rows: $tables tables, $rows rows, equal to the source"
  echo "  row-level security: $secured tables enabled and forced, $policies policies, owners and grants identical"
  echo "  runtime role with no tenant set: sees no tenant row"
}

if [ "$mode" = verify ]; then
  echo "verifying $target against $source_db"
  verify "$(with_database "$admin_url" "$target")"
  echo "verification passed"
  exit 0
fi

started=$(now)
target="${source_db}_drill_$(date -u +%Y%m%d%H%M%S)"
work=${dump_dir:-$(mktemp -d)}
dump="$work/$source_db.dump"
echo "restore drill: $source_db (PostgreSQL $server_major) with pg_dump $(pg_dump --version | sed -E 's/^pg_dump \(PostgreSQL\) ([0-9.]+).*/\1/')"

t=$(now)
pg_dump --format=custom --no-password --file="$dump" --dbname="$source_url"
echo "  dump: $dump ($(du -h "$dump" | cut -f1)) in $(since "$t")"

t=$(now)
q "$admin_url" "CREATE DATABASE \"$target\" OWNER consilium_owner" > /dev/null
cleanup() {
  if [ "$keep" = 0 ]; then q "$admin_url" "DROP DATABASE IF EXISTS \"$target\" WITH (FORCE)" > /dev/null || true; fi
  if [ -z "$dump_dir" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
target_url=$(with_database "$admin_url" "$target")
pg_restore --exit-on-error --single-transaction --no-password --dbname="$target_url" "$dump"
# Database-level grants live outside a database's dump: the same ones `cli db provision` sets.
q "$target_url" "REVOKE ALL ON DATABASE \"$target\" FROM PUBLIC;
                 GRANT CONNECT, TEMPORARY ON DATABASE \"$target\" TO consilium_app, consilium_operator;
                 GRANT CONNECT, CREATE ON DATABASE \"$target\" TO consilium_owner" > /dev/null
echo "  restore into $target in $(since "$t")"

verify "$target_url"
if [ "$keep" = 1 ]; then echo "  kept $target (drop it with: DROP DATABASE \"$target\")"; fi
echo "restore drill passed in $(since "$started")"

#!/usr/bin/env bash
# Security scans of the running embedded default (issue 11): wapiti over the hospital site, the patient portal and
# the staff console (signed in), and sqlmap on the intake's fields and the console's search and filter parameters.
# Reports go to test/artifacts/security/. Needs the Debian packages wapiti and sqlmap (apt-get install -y wapiti sqlmap).
#
#   bash scripts/security-scan.sh            (about ten minutes; SCAN_SECONDS=120 per wapiti run by default)
#
# Exit status: 1 when wapiti reports a high or medium finding or sqlmap finds an injectable parameter.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wapiti sqlmap; do command -v "$tool" >/dev/null || { echo "$tool is not installed: apt-get install -y wapiti sqlmap" >&2; exit 2; }; done

out=test/artifacts/security
rm -rf "$out" && mkdir -p "$out"
data=$(mktemp -d) && chmod 755 "$data"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
pgport=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
node scripts/build.mjs >/dev/null
# The scanners send thousands of requests from one address: with the abuse limits on, most would be answered 429
# before the code under test ran. The limits have their own suite (test/e2e/abuse-limits.e2e-spec.ts).
RATE_LIMITS='*.*=off' DATA_DIR="$data" PORT="$port" PUBLIC_PORT="$port" EMBEDDED_PG_PORT="$pgport" LOG_LEVEL=warn node dist/apps/platform/src/main.js >"$out/platform.log" 2>&1 &
platform=$!
cleanup() { kill "$platform" 2>/dev/null || true; wait "$platform" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
base="http://127.0.0.1:$port"
host=lakeshore.localhost
for _ in $(seq 1 120); do curl -fs "$base/health/ready" >/dev/null && break; sleep 1; done

# A signed-in browser's cookies, as curl keeps them: GET the form (CSRF token and seed cookie), then POST it.
sign_in() { # jar form-path post-path field=value...
  local jar=$1 form=$2 action=$3; shift 3
  local token
  token=$(curl -s -c "$jar" -b "$jar" -H "Host: $host" "$base$form" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
  local args=(--data-urlencode "_csrf=$token")
  for kv in "$@"; do args+=(--data-urlencode "$kv"); done
  curl -s -o /dev/null -c "$jar" -b "$jar" -H "Host: $host" "${args[@]}" "$base$action"
}
demo_code() { node -e "const t=require('./dist/libs/identity/src/totp');console.log(t.totpAt('KRSXG5CTMVRXEZLUNZQW2ZLTOQ2DMNZR',t.currentStep()))"; }
patient=$out/patient.jar; staff=$out/staff.jar
sign_in "$patient" /sign-in /sign-in email=patient@lakeshore.example password=demo-second-opinion
# The admin: analytics' money tables are theirs.
sign_in "$staff" /console/sign-in /console/sign-in email=admin@lakeshore.example password=demo-second-opinion
sign_in "$staff" /console/mfa /console/mfa "code=$(demo_code)"
curl -s -o /dev/null -w "patient /account: %{http_code}\n" -b "$patient" -H "Host: $host" "$base/account"
curl -s -o /dev/null -w "admin /console/cases: %{http_code}\n" -b "$staff" -H "Host: $host" "$base/console/cases"

# wapiti wants its cookies as JSON.
to_json() { python3 - "$1" "$host" <<'PY'
import json, sys
jar, host = sys.argv[1], sys.argv[2]
cookies = {}
for line in open(jar):
    if line.startswith('#') and not line.startswith('#HttpOnly_'): continue
    parts = line.strip().split('\t')
    if len(parts) == 7: cookies[parts[5]] = parts[6]
print(json.dumps({'127.0.0.1': {'/': {k: {'value': v, 'version': 0, 'secure': False, 'expires': None, 'port': None} for k, v in cookies.items()}}}))
PY
}
to_json "$patient" >"$out/patient-cookies.json"; to_json "$staff" >"$out/staff-cookies.json"

seconds=${SCAN_SECONDS:-120}
scan() { # name start-path [cookie-json]
  local name=$1 start=$2 cookies=${3:-}
  local extra=(); [ -n "$cookies" ] && extra=(-c "$cookies")
  wapiti -u "$base$start" -H "Host: $host" --scope domain -m "sql,xss,exec,file,crlf,redirect,permanentxss" \
    --max-scan-time "$seconds" --flush-session -f json -o "$out/wapiti-$name.json" -v 0 --color "${extra[@]}" >"$out/wapiti-$name.log" 2>&1 || true
}
scan site /
scan portal /account "$out/patient-cookies.json"
scan console /console "$out/staff-cookies.json"

# sqlmap: the intake's fields (with a fresh CSRF token each request), the console queue's filters and the audit search.
intake_token() { curl -s -c "$out/intake.jar" -b "$out/intake.jar" -H "Host: $host" "$base/start" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1; }
intake_token >/dev/null
cookie_header() { python3 - "$1" <<'PY'
import sys
pairs = []
for line in open(sys.argv[1]):
    parts = line.strip().split('\t')
    if len(parts) == 7: pairs.append(f'{parts[5]}={parts[6]}')
print('; '.join(pairs))
PY
}
sqlmap -u "$base/start" --data "offering=cancer-diagnosis-review&jurisdiction=US-IL&country=&_csrf=x" -p "offering,jurisdiction,country" \
  --headers "Host: $host" --cookie "$(cookie_header "$out/intake.jar")" --csrf-token _csrf --csrf-url "$base/start" \
  --batch --level 2 --risk 1 --output-dir "$out/sqlmap" >"$out/sqlmap-intake.log" 2>&1 || true
sqlmap -u "$base/console/cases?state=submitted&jurisdiction=US-IL&risk=overdue" -p "state,jurisdiction,risk" \
  --headers "Host: $host" --cookie "$(cookie_header "$staff")" --batch --level 2 --risk 1 --output-dir "$out/sqlmap" >"$out/sqlmap-queue.log" 2>&1 || true
sqlmap -u "$base/console/analytics?from=2026-01-01&to=2026-12-31&campaign=newsletter&class=in_state" -p "from,to,campaign,class" \
  --headers "Host: $host" --cookie "$(cookie_header "$staff")" --batch --level 2 --risk 1 --output-dir "$out/sqlmap" >"$out/sqlmap-analytics.log" 2>&1 || true

python3 - "$out" <<'PY'
import glob, json, os, re, sys
out = sys.argv[1]
bad = 0
for report in sorted(glob.glob(os.path.join(out, 'wapiti-*.json'))):
    data = json.load(open(report))
    found = {k: v for k, v in data.get('vulnerabilities', {}).items() if v}
    serious = sum(1 for items in found.values() for i in items if i.get('level', 1) >= 2)
    bad += serious
    print(f"{os.path.basename(report)}: {sum(len(v) for v in found.values())} findings, {serious} high or medium" + (f" ({', '.join(found)})" if found else ''))
for log in sorted(glob.glob(os.path.join(out, 'sqlmap-*.log'))):
    text = open(log, errors='replace').read()
    injectable = re.findall(r"Parameter: (\S+).*?\n\s+Type:", text)
    tested = 'all tested parameters do not appear to be injectable' in text
    bad += len(injectable)
    print(f"{os.path.basename(log)}: {'injectable: ' + ', '.join(injectable) if injectable else ('nothing injectable' if tested else 'see the log')}")
sys.exit(1 if bad else 0)
PY

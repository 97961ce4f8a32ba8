#!/bin/sh
# Prints a deploy/.env for deploy/compose.yaml: the settings of .env.example with every secret filled in with fresh
# random values. Usage: sh deploy/gen-env.sh > deploy/.env   (refuses to print to a terminal, to keep secrets off it)
# With --demo, payments, email, record files and texts are the stand-ins (demo checkout, local outboxes, local disk), chosen
# on purpose: a trial on one host, where every console page says so. Without it, fill in Stripe, SES and S3.
set -eu

demo=false
case "${1:-}" in
  --demo) demo=true ;;
  "") ;;
  *)
    echo "unknown option $1; usage: sh deploy/gen-env.sh [--demo] > deploy/.env" >&2
    exit 2
    ;;
esac

if [ -t 1 ]; then
  echo "redirect the output to a file: sh deploy/gen-env.sh > deploy/.env" >&2
  exit 2
fi

hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
b64() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }

example="$(dirname -- "$0")/.env.example"
while IFS= read -r line; do
  case "$line" in
    POSTGRES_PASSWORD= | CONSILIUM_OWNER_PASSWORD= | CONSILIUM_APP_PASSWORD= | CONSILIUM_OPERATOR_PASSWORD=)
      printf '%s%s\n' "$line" "$(hex 24)" ;;
    APP_SECRET= | FILES_MASTER_KEY=) printf '%s%s\n' "$line" "$(b64 32)" ;;
    METRICS_TOKEN=) printf '%s%s\n' "$line" "$(hex 32)" ;;
    PAYMENTS_PROVIDER=*) if $demo; then echo "PAYMENTS_PROVIDER=demo"; else printf '%s\n' "$line"; fi ;;
    EMAIL_TRANSPORT=*) if $demo; then echo "EMAIL_TRANSPORT=outbox"; else printf '%s\n' "$line"; fi ;;
    RECORDS_STORAGE=*) if $demo; then echo "RECORDS_STORAGE=local"; else printf '%s\n' "$line"; fi ;;
    SMS_TRANSPORT=*) if $demo; then echo "SMS_TRANSPORT=outbox"; else printf '%s\n' "$line"; fi ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$example"

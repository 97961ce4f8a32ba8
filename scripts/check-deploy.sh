#!/usr/bin/env bash
# Lints the deployment files with real tools from Debian's packages (see deploy/README.md, "Validating"):
#   compose    docker compose config (or Debian's docker-compose 1.29), with secrets from gen-env.sh
#   yaml       yamllint on deploy/ (.yamllint.yaml)
#   caddy      caddy adapt on the compose proxy's Caddyfile
#   shell      shellcheck on the shell scripts under deploy/ and scripts/
#   kustomize  kubectl kustomize on the Kubernetes base and every overlay
# A missing tool is skipped with a note; with REQUIRE_DEPLOY_TOOLS=1 (CI) a skip fails instead.
# Usage: scripts/check-deploy.sh [check ...]    (all checks by default)
set -euo pipefail
cd "$(dirname "$0")/.."

failed=0
skip() {
  if [ "${REQUIRE_DEPLOY_TOOLS:-0}" = 1 ]; then
    echo "FAIL $1: $2 (REQUIRE_DEPLOY_TOOLS=1)"
    failed=1
  else
    echo "SKIP $1: $2"
  fi
}
ok() { echo "ok   $1"; }
bad() {
  echo "FAIL $1"
  failed=1
}

check_compose() {
  local env_file v1_file
  env_file=$(mktemp)
  sh deploy/gen-env.sh > "$env_file"
  if docker compose version > /dev/null 2>&1; then
    if docker compose -f deploy/compose.yaml --env-file "$env_file" config --quiet; then ok "compose (docker compose config)"; else bad "compose (docker compose config)"; fi
  elif command -v docker-compose > /dev/null; then
    # Compose 1.29 predates the top-level `name` key; everything else it validates against its compose-spec schema.
    v1_file=deploy/.compose-v1-check.yaml
    grep -v '^name:' deploy/compose.yaml > "$v1_file"
    if docker-compose -f "$v1_file" --env-file "$env_file" config --quiet; then ok "compose (docker-compose $(docker-compose version --short))"; else bad "compose (docker-compose)"; fi
    rm -f "$v1_file"
  else
    skip compose "neither 'docker compose' (the Compose v2 plugin) nor docker-compose is installed (apt-get install docker-compose)"
  fi
  rm -f "$env_file"
}

check_yaml() {
  if ! command -v yamllint > /dev/null; then
    skip yaml "yamllint is not installed (apt-get install yamllint)"
  elif yamllint --strict deploy/ .yamllint.yaml; then ok yaml; else bad yaml; fi
}

check_caddy() {
  if ! command -v caddy > /dev/null; then
    skip caddy "caddy is not installed (apt-get install caddy)"
  # adapt parses every directive without starting anything (validate would start health checks and DNS lookups).
  elif caddy adapt --config deploy/compose/Caddyfile --adapter caddyfile > /dev/null; then ok caddy; else bad caddy; fi
}

check_shell() {
  if ! command -v shellcheck > /dev/null; then
    skip shell "shellcheck is not installed (apt-get install shellcheck)"
  elif shellcheck deploy/*.sh scripts/*.sh; then ok shell; else bad shell; fi
}

check_kustomize() {
  if ! command -v kubectl > /dev/null; then
    skip kustomize "kubectl is not installed (it brings kustomize)"
    return
  fi
  local dir
  for dir in deploy/k8s/base deploy/k8s/overlays/*/; do
    if kubectl kustomize "$dir" > /dev/null; then ok "kustomize ${dir%/}"; else bad "kustomize ${dir%/}"; fi
  done
}

checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(compose yaml caddy shell kustomize)
for check in "${checks[@]}"; do
  case "$check" in
    compose) check_compose ;;
    yaml) check_yaml ;;
    caddy) check_caddy ;;
    shell) check_shell ;;
    kustomize) check_kustomize ;;
    *)
      echo "unknown check: $check" >&2
      exit 2
      ;;
  esac
done
exit "$failed"

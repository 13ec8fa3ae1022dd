#!/usr/bin/env bash
# Debian packages the tests need and a fresh machine lacks: Redis, PostgreSQL (a throwaway
# cluster for the relational store) and Chromium (for Playwright; its own browser download
# does not work here). Java and Maven (Kafka)
# and Node (the snippet's build) come with the machine.
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ((${#missing[@]})); then
  echo "system_deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in java mvn node npm; do
  command -v "$tool" >/dev/null || { echo "system_deps: $tool is required" >&2; exit 1; }
done

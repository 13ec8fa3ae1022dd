#!/usr/bin/env bash
# Debian packages a fresh machine lacks, installed when missing:
#   scripts/system_deps.sh           what the tests need: Redis, PostgreSQL (a throwaway cluster
#                                    for the relational store), and Chromium for Playwright
#                                    (its own browser download does not work here), and glibc's
#                                    locale sources (the theme corpus compiles en_US and tr_TR)
#   scripts/system_deps.sh --bench   also the benchmarks' load generator, hey
# The benchmarks call this script themselves when a tool is missing
# (benchmarks/system_tools.py), so every script installs the same way.
# Java and Maven (Kafka) and Node (the snippet's build) come with the machine.
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${1:-}" = "--bench" ]; then
  command -v hey >/dev/null || missing+=(hey)
fi
# The theme corpus compiles en_US and tr_TR with localedef (Cartridge formats money with them).
[ -f /usr/share/i18n/locales/tr_TR ] || missing+=(locales)
if ((${#missing[@]})); then
  echo "system_deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in java mvn node npm; do
  command -v "$tool" >/dev/null || { echo "system_deps: $tool is required" >&2; exit 1; }
done

#!/usr/bin/env bash
# Debian packages the tests need and a fresh machine lacks: Redis and Chromium (for
# Playwright; its own browser download does not work here), glibc's locale sources. Java and Maven (Kafka)
# and Node (the snippet's build) come with the machine.
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
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

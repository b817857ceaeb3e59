#!/usr/bin/env bash
# Installs Debian's chromium, the browser the dashboard test drives
# (test/dashboard/dashboard-browser.test.ts), unless it is installed already.
# Needs root for apt-get, as scripts/services.sh does for clickhouse-server.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if ((EUID != 0)); then
  printf 'install-chromium: chromium is not installed; run as root: apt-get install chromium\n' >&2
  exit 1
fi
log="$(mktemp -t install-chromium.XXXXXX.log)"
if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } >"$log" 2>&1; then
  printf 'install-chromium: apt-get install chromium failed; see %s\n' "$log" >&2
  exit 1
fi
rm -f "$log"
command -v chromium >/dev/null

#!/usr/bin/env bash
# The whole check: real services up, the browser of the dashboard test, types,
# module boundaries, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/services.sh up
bash scripts/install-chromium.sh
npx tsc --noEmit
npx depcruise src registry --config .dependency-cruiser.cjs
npx mocha 'test/**/*.test.ts'

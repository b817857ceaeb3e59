#!/usr/bin/env bash
# The whole check: real services up, the browser of the dashboard test, types,
# module boundaries, then the tests: every test by default, or the files the
# arguments name (`npm run test:faults` passes the fault suites).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/services.sh up
bash scripts/install-chromium.sh
npx tsc --noEmit
npx depcruise src registry --config .dependency-cruiser.cjs
if [ "$#" -gt 0 ]; then
  npx mocha "$@"
else
  npx mocha 'test/**/*.test.ts'
fi

#!/usr/bin/env bash
# The whole check: real services up, types, module boundaries, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/services.sh up
npx tsc --noEmit
npx depcruise src registry --config .dependency-cruiser.cjs
npx mocha 'test/**/*.test.ts'

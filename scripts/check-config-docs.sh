#!/usr/bin/env bash
# Fails when docs/configuration.md differs from what the key declarations in
# the code generate (run by `make test` through ctest: docs_configuration).
#   scripts/check-config-docs.sh BINARY DOC
set -euo pipefail
bin=${1:?usage: check-config-docs.sh BINARY DOC}
doc=${2:?usage: check-config-docs.sh BINARY DOC}
generated=$(mktemp)
trap 'rm -f "$generated"' EXIT
"$bin" config describe --markdown >"$generated"
if ! diff -u "$doc" "$generated"; then
  echo
  echo "docs/configuration.md is stale: the key declarations changed. Regenerate it with:"
  echo "  make config-docs     (or: $bin config describe --markdown > $doc)"
  exit 1
fi
echo "docs/configuration.md matches the declarations"

#!/usr/bin/env bash
# check-format.sh: every C file matches .clang-format (clang-format --dry-run).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "clang-format not installed; skipping format check"; exit 0; }
git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

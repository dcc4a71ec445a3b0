#!/usr/bin/env bash
# Issue 19: install exactly as README's command 1 says, in a FRESH copy with the stock pip of
# `python3 -m venv` (no pip upgrade), then crawl a locally served page and extract its main
# text (scripts/check_install.py). The install command is read from README.md itself, so the
# check cannot drift from what a newcomer types. Usage: scripts/check_install.sh [workdir]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d /tmp/check_install.XXXXXX)}"
mkdir -p "$work"

# README command 1, without its final `&& streamlit run app.py` (the check starts no server).
cmd="$(grep -A1 '^# 1\. Install and start the app' "$repo/README.md" | tail -n 1)"
install="${cmd% && streamlit run app.py}"
if [[ "$install" == "$cmd" || "$install" != *"pip install -r requirements.txt"* ]]; then
  echo "README command 1 is not 'python3 -m venv … pip install -r requirements.txt && streamlit run app.py': $cmd" >&2
  exit 2
fi

# A fresh clone's files: what git tracks (plus uncommitted edits), no .venv, no data; outside
# a git checkout, the tree without .venv, .local and .git.
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard | grep -zv '^\.venv' \
    | xargs -0 tar -cf - 2>/dev/null) | (cd "$work" && tar -xf -)
else
  (cd "$repo" && tar --exclude=./.venv --exclude=./.local --exclude=./.git -cf - .) \
    | (cd "$work" && tar -xf -)
fi
cd "$work"
rm -rf .venv
echo "== in $work: $install"
bash -c "$install"
. .venv/bin/activate
echo "== pip $(python -m pip --version | cut -d' ' -f2) (stock, not upgraded)"
python scripts/check_install.py

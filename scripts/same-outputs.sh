#!/usr/bin/env bash
# Shows that the working tree's `kpi` writes the same bytes as REV's
# (default: the commit before HEAD) for every output scripts/outputs.sh
# makes. Builds REV in a temporary worktree with the shared target
# directory, so only the workspace's own crates are rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-HEAD~1}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kpi-target}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/tree" >/dev/null 2>&1; rm -rf "$work"' EXIT
git worktree add --detach "$work/tree" "$rev" >/dev/null
(cd "$work/tree" && cargo build --release --bin kpi --quiet)
cp "$CARGO_TARGET_DIR/release/kpi" "$work/kpi-old"
# The worktree's crates share the target directory's artifacts with the
# working tree's (cargo's hashes do not depend on the checkout's path), so
# the working tree's sources are made newer than them: every workspace
# crate is rebuilt from this tree.
find kpi-core kpi-io kpi-report src -name '*.rs' -exec touch {} +
cargo build --release --bin kpi --quiet
cp "$CARGO_TARGET_DIR/release/kpi" "$work/kpi-new"
if cmp -s "$work/kpi-old" "$work/kpi-new"; then
    echo "note: $rev and the working tree built the same binary"
fi
scripts/outputs.sh "$work/kpi-old" "$work/old"
scripts/outputs.sh "$work/kpi-new" "$work/new"
files=$(find "$work/new" -type f | wc -l)
if diff -r "$work/old" "$work/new" > "$work/diff"; then
    echo "same outputs: $files files byte-identical between $rev and the working tree"
else
    head -50 "$work/diff"
    echo "outputs differ between $rev and the working tree"
    exit 1
fi

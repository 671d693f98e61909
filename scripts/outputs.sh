#!/usr/bin/env bash
# Writes every output a refactoring must keep byte-identical into OUT_DIR:
# `kpi demo --export`, `kpi run` on each fixture scheme (workbook and CSV
# exports), `kpi gen --as-exports`, `kpi explain` in both languages, `kpi
# validate`, `kpi reconcile` and `kpi attribution`. Compare two builds with
#   scripts/outputs.sh OLD_KPI old/ && scripts/outputs.sh NEW_KPI new/ && diff -r old new
# (or scripts/same-outputs.sh REV, which builds REV in a worktree and does so).
set -euo pipefail
kpi=$(realpath "$1")
out=$(realpath -m "$2")
fixtures=$(realpath "$(dirname "$0")/../fixtures")
rm -rf "$out"
mkdir -p "$out"
cd "$out"
"$kpi" demo --out demo.xlsx --export demo-export > demo.stdout
"$kpi" gen --out data --stores 2 --employees-per-store 8 --months 14 --seed 7 > /dev/null
"$kpi" gen --out exports --stores 2 --employees-per-store 6 --months 3 --seed 3 --as-exports > /dev/null
for scheme in "$fixtures"/schemes/*.toml; do
    name=$(basename "$scheme" .toml)
    # A scheme the data cannot feed fails the same way before and after.
    "$kpi" run --data data --scheme "$scheme" --out "run-$name.xlsx" --export "run-$name" \
        > "run-$name.stdout" 2> "run-$name.stderr" || echo "exit $?" >> "run-$name.stdout"
    "$kpi" validate --scheme "$scheme" --data data > "validate-$name.stdout" 2>&1 || echo "exit $?" >> "validate-$name.stdout"
    for who in $(awk -F, 'NR > 1 && NR < 8 { print $1 }' data/employees.csv); do
        for lang in zh en; do
            "$kpi" explain --data data --scheme "$scheme" --employee "$who" --period 2025-06 --lang "$lang" \
                > "explain-$name-$who-$lang.stdout" 2>&1 || echo "exit $?" >> "explain-$name-$who-$lang.stdout"
        done
    done
done
"$kpi" run --data exports --scheme "$fixtures/schemes/customer_service.toml" --out exports.xlsx --export exports-run \
    > exports-run.stdout 2>&1 || echo "exit $?" >> exports-run.stdout
# The same dataset as Parquet and as monthly CSV files: every reader path.
"$kpi" gen --out data-parquet --format parquet --stores 2 --employees-per-store 8 --months 14 --seed 7 > /dev/null
"$kpi" gen --out data-monthly --monthly-files --headers zh --stores 2 --employees-per-store 8 --months 14 --seed 7 > /dev/null
for data in data-parquet data-monthly; do
    for scheme in "$fixtures"/schemes/*.toml; do
        name=$(basename "$scheme" .toml)
        "$kpi" run --data "$data" --scheme "$scheme" --export "run-$data-$name" \
            > "run-$data-$name.stdout" 2> "run-$data-$name.stderr" || echo "exit $?" >> "run-$data-$name.stdout"
        # Exports alone without the analysis: each file summed as it is read.
        "$kpi" run --data "$data" --scheme "$scheme" --no-analysis --export "sums-$data-$name" \
            > "sums-$data-$name.stdout" 2> "sums-$data-$name.stderr" || echo "exit $?" >> "sums-$data-$name.stdout"
    done
done
"$kpi" attribution --data data --from 2025-05 --to 2025-06 --level employee --export attribution > attribution.stdout 2>&1
# The elapsed time printed by demo and run is the one thing allowed to differ.
sed -i -E "s/^elapsed: .*/elapsed: <time>/" ./*.stdout

#!/usr/bin/env bash
# The full run on the peer benchmark's workload: the same staff and days
# with a store_daily table and a roster with names and seniority pay, scored with the whole customer-service scheme
# (pay included), the analysis, the workbook and every export, timed per
# stage (KPI_TIMINGS). No peer does this; it is kpi's own figure.
#
#   benches/peers/full_run.sh [STAFF] [DAYS]     (default 20000 365)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
staff=${1:-20000}
days=${2:-365}
venv=$("$here/setup.sh")
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kpi-target}
(cd "$root" && cargo build --release --bin kpi --quiet)
kpi="$CARGO_TARGET_DIR/release/kpi"
work=${KPI_PEERS_DIR:-$HOME/.cache/kpi-peers}/$staff-$days-full
if [ ! -f "$work/data/store_daily.parquet" ]; then
    "$venv/bin/python" "$here/make_workload.py" "$work/data" --staff "$staff" --days "$days" --full
fi
cd "$work"
rm -rf out report.xlsx
KPI_TIMINGS=1 /usr/bin/time -f "wall %e s, peak memory %M KB, user %U s" \
    "$kpi" run --data data --scheme "$root/fixtures/schemes/customer_service.toml" \
    --out report.xlsx --export out
ls -l report.xlsx
du -sh out

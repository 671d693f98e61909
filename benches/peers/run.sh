#!/usr/bin/env bash
# The peer benchmark: kpi against a DuckDB query and a pandas script on the
# same workload (20,000 customer-service staff x 365 days = 7.3 M daily rows
# in one Parquet file, by default), the customer-service scheme without its
# [pay] tables, compute only (`kpi run --no-analysis --export DIR --tables
# scores`: the peers write the scores table alone). Each tool
# runs 3 times, alternating; the table shows the median wall time, the peak
# memory, and the ratio of each peer's time to kpi's; the scores of the
# three are checked to agree.
#
# With `--partitioned` the daily rows are one Parquet file a month in hive
# folders (`employee_daily/year=2025/month=01/part-0.parquet`); the 10x run
# of issue 13 is `run.sh 200000 365 --partitioned`.
#
#   benches/peers/run.sh [STAFF] [DAYS] [--partitioned]     (default 20000 365)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
staff=${1:-20000}
days=${2:-365}
layout=${3:-}
case $layout in
    "") suffix=""; daily=data/employee_daily.parquet ;;
    --partitioned) suffix=-partitioned; daily='data/employee_daily/**/*.parquet' ;;
    *) echo "run.sh: unknown option $layout (expected --partitioned)" >&2; exit 2 ;;
esac
venv=$("$here/setup.sh")
py="$venv/bin/python"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kpi-target}
(cd "$root" && cargo build --release --bin kpi --quiet)
kpi="$CARGO_TARGET_DIR/release/kpi"
work=${KPI_PEERS_DIR:-$HOME/.cache/kpi-peers}/$staff-$days$suffix
if [ ! -f "$work/data/attendance.csv" ]; then
    "$py" "$here/make_workload.py" "$work/data" --staff "$staff" --days "$days" $layout
fi
cd "$work"
awk '/^\[pay\]$/ { exit } { print }' "$root/fixtures/schemes/customer_service.toml" > scheme.toml

run() {
    case $1 in
        kpi) rm -rf kpi-out; "$kpi" run --data data --scheme scheme.toml --no-analysis --export kpi-out --tables scores > /dev/null ;;
        duckdb) "$py" -c "import duckdb; duckdb.sql(open('$here/scores.sql').read().replace('{daily}', '$daily'))" ;;
        pandas) "$py" "$here/scores_pandas.py" ;;
    esac
}
declare -A times mems
for round in 1 2 3; do
    for tool in kpi duckdb pandas; do
        /usr/bin/time -f "%e %M" -o time.txt bash -c "$(declare -f run); kpi='$kpi' py='$py' here='$here' daily='$daily' run $tool"
        read -r wall kb < time.txt
        times[$tool]+="$wall "
        mems[$tool]+="$kb "
        echo "round $round $tool ${wall}s $((kb / 1024)) MB" >&2
    done
done
"$py" "$here/compare.py"
median() { tr ' ' '\n' | grep . | sort -g | sed -n 2p; }
kpi_time=$(echo "${times[kpi]}" | median)
echo
echo "| tool | median wall (s) | peak memory (MB) | time / kpi's |"
echo "| --- | --- | --- | --- |"
for tool in kpi duckdb pandas; do
    t=$(echo "${times[$tool]}" | median)
    m=$(echo "${mems[$tool]}" | median)
    echo "| $tool | $t | $((m / 1024)) | $(awk -v a="$t" -v b="$kpi_time" 'BEGIN { printf "%.2f", a / b }') |"
done
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $staff staff x $days days${layout:+, $layout}"

#!/usr/bin/env bash
# Installs the peers of the benchmark (DuckDB, pandas, with numpy and
# pyarrow) into the project's own virtual environment and prints its path.
# Nothing is installed system-wide.
set -euo pipefail
venv=${KPI_PEERS_VENV:-$HOME/.cache/kpi-peers-venv}
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import duckdb, pandas, pyarrow, numpy" 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
fi
echo "$venv"

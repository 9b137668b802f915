# SPDX-License-Identifier: MIT
# Shared set-up of the benchmark scripts that use the target server: sets
# top, build (the build directory, $1 or _build), tmp (a scratch directory
# removed at exit), SCRAPE_PLUGIN_PATH, and target (the server's base URL);
# the server's /static/ files are those a script writes to $tmp/docs.
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
export SCRAPE_PLUGIN_PATH="$build/plugins/.libs"
tmp=$(mktemp -d)
mkdir -p "$tmp/docs"
"$build/tests/server/targetd" --port 0 --port-file "$tmp/port" --docroot "$tmp/docs" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$tmp/port" ] || { echo "bench: the target server did not start" >&2; exit 1; }
target="http://127.0.0.1:$(cat "$tmp/port")"

#!/bin/sh
# SPDX-License-Identifier: MIT
# The core's module structure (src/README.md): every #include goes down
# the layers and no two modules include each other.  tests/tools/layers.py
# reads the sources and prints the TAP itself; this only runs it, on the
# source tree, so `make check` (and distcheck's copy) enforces the rule.
# Nothing of tests/lib.sh is needed: no target, no scratch directory.
: "${TOP_SRCDIR:?run the tests through make check}"
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 is not installed"
	exit 0
fi
exec python3 "$TOP_SRCDIR/tests/tools/layers.py" "$TOP_SRCDIR/src"

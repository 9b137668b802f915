#!/bin/sh
# SPDX-License-Identifier: MIT
# A plugin author's path: install scrape into a staging directory, build
# the skeleton plugin outside the tree with the installed header and
# `pkg-config --cflags scrape`, and load it.
. "$TOP_SRCDIR/tests/lib.sh"
stage=$SCRATCH/stage
env -u MAKEFLAGS -u MFLAGS $MAKE -s -C "$TOP_BUILDDIR" install DESTDIR="$stage" >"$SCRATCH/install.log" 2>&1
ok $? "make install into a staging directory"
pc=$(find "$stage" -name scrape.pc | head -1)
check "scrape.pc is installed" test -n "$pc"
hdr=$(find "$stage" -path '*/include/scrape/plugin.h' | head -1)
check "the plugin header is installed" test -n "$hdr"
check "the version header is installed" test -f "$(dirname "$hdr")/version.h"
check "the man pages are installed" test -n "$(find "$stage" -name scrape-plugin.3)"

export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$stage"
cflags=$(pkg-config --cflags scrape)
ok $? "pkg-config --cflags scrape works ($cflags)"
plugindir=$(pkg-config --variable=plugindir scrape)
like "$plugindir" "/lib/scrape" "pkg-config names the plugin directory"
check "the bundled plugins are installed there" test -f "$stage${plugindir#$stage}/parser_size.so"

mkdir -p "$SCRATCH/mine"
# shellcheck disable=SC2086
cc -Wall -Wextra -Werror -shared -fPIC -o "$SCRATCH/mine/parser_skeleton.so" \
	"$TOP_SRCDIR/examples/parser_skeleton.c" $cflags $(pkg-config --cflags libcurl)
ok $? "the skeleton builds out of tree against the installed header"
cd "$SCRATCH"
printf 'urls: [http://127.0.0.1:1/]\nparsers: [{name: skeleton, word: abc}]\n' >job.yaml
"$SCRAPE" --dry-run --plugin-dir "$SCRATCH/mine" -c job.yaml >/dev/null 2>&1
ok $? "and scrape loads it"

done_testing

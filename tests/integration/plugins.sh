#!/bin/sh
# SPDX-License-Identifier: MIT
# The plugin loader: the deliberately broken plugins each fail with their
# own one-line message and exit status 3, before any of their code runs;
# the search order; --list-plugins and --plugin-help; the skeleton loads.
. "$TOP_SRCDIR/tests/lib.sh"
cd "$SCRATCH"
printf 'urls: [http://127.0.0.1:1/]\nparsers: [%s]\n' NAME >template.yaml

# load NAME: tries a dry run with parser NAME from the test plugin dir;
# prints "STATUS|STDERR"
load() {
	sed "s|NAME|$1|" template.yaml >job.yaml
	err=$("$SCRAPE" --dry-run --plugin-dir "$TEST_PLUGIN_DIR" -c job.yaml 2>&1 >/dev/null)
	printf '%s|%s' "$?" "$err"
}
dir=$TEST_PLUGIN_DIR

is "$(load badmajor)" "3|scrape: plugin \"badmajor\" ($dir/parser_badmajor.so): built for ABI 2.0, this scrape supports 1.x; rebuild it against this scrape's headers" \
   "wrong ABI major is refused"
is "$(load newminor)" "3|scrape: plugin \"newminor\" ($dir/parser_newminor.so): built for ABI 1.3, this scrape supports up to 1.2; upgrade scrape or rebuild the plugin" \
   "newer ABI minor is refused"
is "$(load nosymbol)" "3|scrape: plugin \"nosymbol\" ($dir/parser_nosymbol.so): exports no \"scrape_plugin\" descriptor; is it a scrape plugin?" \
   "a library without the descriptor is refused"
is "$(load misnamed)" "3|scrape: plugin \"misnamed\" ($dir/parser_misnamed.so): it calls itself \"other\" but its file is named for \"misnamed\"; rename the file or fix the descriptor" \
   "a name that does not match the file is refused"
is "$(load noparse)" "3|scrape: plugin \"noparse\" ($dir/parser_noparse.so): it has no parse callback" \
   "a parser without parse() is refused"
is "$(load badoptions)" "3|scrape: plugin \"badoptions\" ($dir/parser_badoptions.so): the default of option \"limit\" (\"ten seconds\") is invalid: expected a duration such as 250ms, 10s or 2m" \
   "a broken option table is refused"
is "$(load createfails)" "3|scrape: error: createfails: refusing to start
scrape: plugin \"createfails\" ($dir/parser_createfails.so): could not start (its create() failed); see the messages above" \
   "a failing create() is reported with the plugin's own message"
is "$(load sequential)" "2|job.yaml:2:11: unknown parser \"sequential\" (scrape --list-plugins shows what is installed)" \
   "a strategy is not found as a parser"
is "$(load "$dir/parser_badmajor.so" | cut -d'|' -f1)" "3" "a name with / is a path"
is "$(load ./parser_size.so | cut -d'|' -f2)" "job.yaml:2:11: parser plugin \"./parser_size.so\" not found: no such file" \
   "a missing path is a job error"

# never from the current directory implicitly
cp "$SCRAPE_PLUGIN_PATH/parser_size.so" ./parser_cwdonly.so 2>/dev/null || true
sed "s|NAME|cwdonly|" template.yaml >job.yaml
out=$("$SCRAPE" --dry-run -c job.yaml 2>&1)
is "$?" 2 "a plugin in the current directory is not found"
like "$out" 'unknown parser "cwdonly"' "and the message says so"

# search order: --plugin-dir before SCRAPE_PLUGIN_PATH
mkdir -p first
cp "$SKELETON_DIR/parser_skeleton.so" first/
printf 'urls: [http://127.0.0.1:1/]\nparsers: [skeleton]\n' >skel.yaml
"$SCRAPE" --dry-run --plugin-dir first -c skel.yaml >/dev/null 2>&1
ok $? "--plugin-dir is searched"
SCRAPE_PLUGIN_PATH="$SCRATCH/first:$SCRAPE_PLUGIN_PATH" "$SCRAPE" --dry-run -c skel.yaml >/dev/null 2>&1
ok $? "SCRAPE_PLUGIN_PATH is searched, colon-separated"

# the skeleton's own option check reports the key's position
printf 'urls: [http://127.0.0.1:1/]\nparsers:\n  - name: skeleton\n    word: ""\n' >empty.yaml
is "$("$SCRAPE" --dry-run --plugin-dir first -c empty.yaml 2>&1)" \
   "empty.yaml:4:11: skeleton: the word must not be empty" "opt_fail points at the key"

# a strategy built for ABI 1.0 (no capabilities, libcurl) loads and runs
# unchanged, and may run what needs libcurl
start_target
printf 'urls: [%s/html/300, %s/status/404]\nhttp2: true\n' "$TARGET" "$TARGET" >old.yaml
"$SCRAPE" -q --plugin-dir "$TEST_PLUGIN_DIR" -s abi10 -c old.yaml -o old.jsonl >old.out 2>&1
is "$?" 1 "an ABI 1.0 strategy runs a job (one request fails with 404)"
is "$(json_lines old.jsonl)" 2 "and records every request"
like "$(cat old.jsonl)" '"status":404' "with the statuses the server gave"
stop_target

# listing and help
list=$("$SCRAPE" --list-plugins 2>&1)
like "$list" "strategy  sequential" "--list-plugins shows the sequential strategy"
like "$list" "parser    size" "--list-plugins shows the size parser"
"$SCRAPE" --list-plugins --plugin-dir "$TEST_PLUGIN_DIR" >/dev/null 2>list.err
is "$?" 3 "--list-plugins exits 3 when some plugins cannot be loaded"
like "$(cat list.err)" 'plugin "badmajor"' "and names each broken one"
help=$("$SCRAPE" --plugin-help size)
like "$help" "field              string    default size" "--plugin-help lists keys, types and defaults"
"$SCRAPE" --plugin-help nosuch >/dev/null 2>&1
is "$?" 2 "--plugin-help of an unknown plugin exits 2"

# only the descriptor is exported
syms=$(nm -D --defined-only "$SCRAPE_PLUGIN_PATH/parser_size.so" | awk '{print $3}' | grep -v '^_' | tr '\n' ' ')
is "$syms" "scrape_plugin " "plugins export only scrape_plugin"

done_testing

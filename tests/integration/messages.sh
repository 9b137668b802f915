#!/bin/sh
# SPDX-License-Identifier: MIT
# Messages on standard error go one way (src/util/log.c): a plugin's message
# printed while the progress line is drawn erases the line first, under
# every strategy, also from a forked worker, so no remains of the line
# share the message's line; -q keeps warnings and drops notes.
. "$TOP_SRCDIR/tests/lib.sh"
cd "$SCRATCH"
start_target

# What a terminal would show of each line that holds a message: the text
# after its last carriage return, with the erase sequence (ESC [ K) that
# may follow it taken off.  Prints one line per message.
shown() {
	awk '/scrape: / { sub(/.*\r/, ""); sub(/^\033\[K/, ""); print }' "$1"
}

# Lines where the progress line (its "ETA") was on the screen when the
# message came: the case under test happened.
over_progress() {
	grep -a 'ETA.*scrape: info:' "$1" | wc -l | tr -d ' '
}

want="scrape: info: title: skipped a non-HTML body (application/json) from $TARGET/delay/500/static/title.json"
for s in sequential threaded event multiprocess; do
	# each answer takes 500 ms: the line (redrawn every 250 ms) is up when
	# the title parser logs its skip at info level
	"$SCRAPE" -q -v --progress -s "$s" -w 1 -n 3 -p title "$TARGET/delay/500/static/title.json" \
		>/dev/null 2>"$s.err"
	ok $? "$s: the run exits 0"
	is "$(shown "$s.err" | sort -u)" "$want" "$s: each message is alone on its line"
	is "$(shown "$s.err" | wc -l | tr -d ' ')" 3 "$s: one line per message"
	# (a stalled machine may delay the first draw past the first message)
	is "$(over_progress "$s.err" | awk '{ print ($1 >= 2) ? "yes" : $1 }')" yes \
	   "$s: the messages came while the progress line was up"
done
# in the parent, the line comes back right after a message (without a
# carriage return of its own), not at the next redraw
is "$(awk 'after && /^[0-9]/ { n++ } { after = /scrape: info:/ } END { print n + 0 }' sequential.err)" 3 \
   "sequential: the progress line is put back below each message"

# -q: warnings stay, notes about the run go
"$SCRAPE" -q --set insecure=true "$TARGET/bytes/1" >/dev/null 2>insecure.err
is "$(cat insecure.err)" "scrape: warning: insecure: true turns off TLS certificate checks" \
   "-q keeps a warning"
"$SCRAPE" -q --compare sequential -n 1 "$TARGET/bytes/1" >/dev/null 2>compare.err
is "$(cat compare.err)" "" "-q drops the note that a --compare run starts"

done_testing

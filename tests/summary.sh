# SPDX-License-Identifier: MIT
# Prints "PASSED FAILED" for the test run in build directory $1, counting
# every TAP check (not just every test program) from the .trs files the
# automake TAP driver leaves behind.  A program that errored out or
# bailed out counts as one failure even if it printed no "not ok".
dir=$1
pass=0
fail=0
for trs in $(find "$dir/tests" -name '*.trs' 2>/dev/null); do
	p=$(grep -c '^:test-result: PASS' "$trs")
	s=$(grep -c '^:test-result: SKIP' "$trs")
	f=$(grep -cE '^:test-result: (FAIL|XPASS|ERROR)' "$trs")
	pass=$((pass + p + s))
	fail=$((fail + f))
done
[ $((pass + fail)) -gt 0 ] || fail=1   # nothing ran: that is a failure
echo "$pass $fail"

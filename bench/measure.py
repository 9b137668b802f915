#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run a command and print "wall_s user_s sys_s max_rss_kb" for it and its
children, then the command's own output on the following lines.  The
benchmark scripts use it to charge each client the CPU it spent."""
import os
import resource
import subprocess
import sys
import time

start = time.monotonic()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.4f} {usage.ru_utime:.4f} {usage.ru_stime:.4f} {usage.ru_maxrss}")
sys.stdout.flush()
sys.stdout.buffer.write(proc.stdout)
sys.exit(proc.returncode)

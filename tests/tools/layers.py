#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the core's module structure from its #include lines (TAP output).

src/ has one folder per layer, listed below from the bottom up.  A file
may include headers of its own folder and of the folders below it, never
above: the data flows one way (job -> frontier -> dispatch -> strategy ->
fetch -> parsers -> records/results -> reports) and each layer can be
built and tested without the ones above it.  Within the core no two
modules may include each other, directly or through others: a module is
NAME.c with its NAME.h, and an include cycle between modules means
neither can be understood, or tested, alone.  A file NAME_PART.c or
NAME_PART.h beside NAME.c belongs to module NAME (job_model.c and the
private job_keys.h are the job module; run_report.c is the run's).

Usage: layers.py SRC_DIR
"""
import os
import re
import sys

# Bottom first.  See src/README.md for what each folder holds.
LAYERS = ["util", "config", "crawl", "results", "report", "engine", "plugin", "cli"]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main(src):
    rank = {name: i for i, name in enumerate(LAYERS)}
    edges = {}      # module -> set of modules it includes
    problems = []
    # (hidden folders are a build's, such as automake's .deps, not layers)
    folders = sorted(d for d in os.listdir(src)
                     if os.path.isdir(os.path.join(src, d)) and not d.startswith("."))
    for folder in folders:
        if folder not in rank:
            problems.append(f"src/{folder}/ is not a known layer: add it to LAYERS in {sys.argv[0]}")
            continue
        for name in sorted(os.listdir(os.path.join(src, folder))):
            if not name.endswith((".c", ".h")):
                continue
            module = module_of(src, folder, name[:-2])
            text = open(os.path.join(src, folder, name), encoding="utf-8").read()
            for target in INCLUDE.findall(text):
                if "/" not in target:
                    continue            # config.h and plugin headers
                tfolder = target.split("/")[0]
                if tfolder not in rank:
                    continue
                if not os.path.exists(os.path.join(src, target)):
                    problems.append(f"src/{folder}/{name} includes {target}, which does not exist")
                    continue
                if rank[tfolder] > rank[folder]:
                    problems.append(f"src/{folder}/{name} includes {target}: {folder}/ may not "
                                    f"depend on {tfolder}/, which sits above it")
                tmodule = module_of(src, tfolder, os.path.basename(target)[:-2])
                if tmodule != module:
                    edges.setdefault(module, set()).add(tmodule)
    print(f"ok 1 - every include goes down the layers ({' < '.join(LAYERS)})"
          if not problems else "not ok 1 - includes that go up the layers")
    for p in problems:
        print(f"# {p}")
    cycles = find_cycles(edges)
    print("ok 2 - no include cycle between core modules" if not cycles
          else "not ok 2 - include cycles between core modules")
    for c in cycles:
        print("# cycle: " + " -> ".join(c))
    print("1..2")
    return 1 if problems or cycles else 0


def module_of(src, folder, stem):
    """NAME for NAME.c/.h, and for NAME_PART.c/.h when NAME.c exists."""
    parts = stem.split("_")
    for n in range(1, len(parts)):
        owner = "_".join(parts[:n])
        if os.path.exists(os.path.join(src, folder, owner + ".c")):
            return f"{folder}/{owner}"
    return f"{folder}/{stem}"


def find_cycles(edges):
    """One cycle per strongly connected component of more than one module."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(cycle_through(sorted(component), edges))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def cycle_through(component, edges):
    """A path start -> ... -> start inside one component, for the message."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    while True:
        nxt = sorted(w for w in edges.get(path[-1], ()) if w in members)
        back = [w for w in nxt if w == start]
        if back and len(path) > 1:
            return path + [start]
        step = next((w for w in nxt if w not in seen), None)
        if step is None:
            return path + [nxt[0]] if nxt else path
        path.append(step)
        seen.add(step)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "src"))

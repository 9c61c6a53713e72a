#!/usr/bin/env python3
"""prom_check.py PROM LIST_JSON — check `durable stats --prometheus` output.

PROM must parse as the Prometheus text exposition format (0.0.4): HELP and
TYPE lines before a metric's samples, one TYPE per metric, sample lines of
name{labels} value with labels escaped, values that are numbers; the summary
has quantiles in [0, 1] that do not decrease, a _sum and a _count per label
set.  The durable_workflows gauge must agree with `durable list --json
--limit 0` (LIST_JSON) for every function and status, zeros included.
"""
import json
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(rf"^({NAME})(?:\{{((?:{LABEL})(?:,{LABEL})*)?\}})? (\S+)$")


def fail(msg):
    print("prom_check: " + msg, file=sys.stderr)
    sys.exit(1)


def labels_of(text):
    return dict((k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
                for k, v in re.findall(LABEL, text or ""))


def main():
    lines = open(sys.argv[1]).read().split("\n")
    if lines[-1] != "":
        fail("the output does not end with a newline")
    types, helps, samples = {}, set(), []
    for no, line in enumerate(lines[:-1], 1):
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            if name in helps:
                fail(f"line {no}: a second HELP for {name}")
            helps.add(name)
        elif line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or parts[3] not in ("counter", "gauge", "summary", "histogram", "untyped"):
                fail(f"line {no}: bad TYPE line: {line}")
            if parts[2] in types:
                fail(f"line {no}: a second TYPE for {parts[2]}")
            types[parts[2]] = parts[3]
        elif line.startswith("#") or not line:
            fail(f"line {no}: unexpected line: {line!r}")
        else:
            m = SAMPLE.match(line)
            if not m:
                fail(f"line {no}: not a sample line: {line!r}")
            name, value = m.group(1), m.group(m.lastindex)
            try:
                v = float(value)
            except ValueError:
                fail(f"line {no}: value is not a number: {value}")
            base = re.sub(r"_(sum|count)$", "", name)
            if name not in types and base not in types:
                fail(f"line {no}: sample of {name} before its TYPE")
            samples.append((name, labels_of(m.group(2)), v))
    if types.get("durable_workflows") != "gauge" or types.get("durable_await_latency_seconds") != "summary":
        fail(f"metric types: {types}")
    got = {}
    for name, lab, v in samples:
        if name == "durable_workflows":
            got[(lab["function"], lab["status"])] = v
    wfs = json.load(open(sys.argv[2]))["workflows"]
    functions = {w["function"] for w in wfs}
    for f in functions:
        for st in ("ready", "waiting", "done", "failed", "cancelled", "held", "paused"):
            want = sum(1 for w in wfs if w["function"] == f and
                       (("paused" if w["paused"] and w["status"] in ("ready", "waiting") else w["status"]) == st))
            if got.get((f, st)) != want:
                fail(f"durable_workflows{{function={f},status={st}}} = {got.get((f, st))}, durable list says {want}")
    if len(got) != 7 * len(functions):
        fail(f"{len(got)} workflow samples for {len(functions)} functions")
    summ = {}
    for name, lab, v in samples:
        if name.startswith("durable_await_latency_seconds"):
            key = (lab["function"], lab["await"], lab["kind"])
            s = summ.setdefault(key, {"q": []})
            if name.endswith("_sum"):
                s["sum"] = v
            elif name.endswith("_count"):
                s["count"] = v
            else:
                q = float(lab["quantile"])
                if not 0 <= q <= 1 or v < 0:
                    fail(f"quantile {q} of {key} = {v}")
                s["q"].append((q, v))
    if not summ:
        fail("no await latency samples")
    for key, s in summ.items():
        if "sum" not in s or "count" not in s or s["count"] < 1 or len(s["q"]) != 3:
            fail(f"summary {key} incomplete: {s}")
        vals = [v for _, v in sorted(s["q"])]
        if vals != sorted(vals) or s["sum"] < vals[-1] - 1e-9:
            fail(f"summary {key} inconsistent: {s}")
    print(f"{len(samples)} samples, {len(functions)} functions, {len(summ)} await summaries: valid")


if __name__ == "__main__":
    main()

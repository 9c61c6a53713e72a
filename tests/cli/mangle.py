#!/usr/bin/env python3
"""mangle.py DURABLE BASE_DB FIRST LAST — the CLI against hostile database files.

For each seed in FIRST..LAST-1, copy BASE_DB (made by `cli_fixture make`), damage one to four
things a reader must not trust — schema descriptors (kind, offset, size,
count, parent, idx), frame/value/argument/result blobs, an await's `saves`,
a schema's struct sizes, a frame's state and wait kind — then run `durable
show`, `history` and `list` (text and JSON) on every workflow.  Each must
exit 0 or 1 with no sanitizer report: a crash, exit 2 or a signal fails.
Deterministic: a seed always makes the same damage.  Under the sanitizer
build (DURABLE_SANITIZE=ON) this finds reads past a buffer, not only crashes.
"""
import random
import shutil
import sqlite3
import subprocess
import sys


def pick(db, r, sql):
    rows = db.execute(sql).fetchall()
    return r.choice(rows) if rows else None


def damage(db, r):
    what = r.randrange(6)
    if what == 0:
        col = r.choice(["kind", "offset", "size", "count", "parent", "idx"])
        val = r.choice([0, 1, 2, 3, 4, 7, 8, 16, -1, 99, 2**31, 2**32 + 5, "x"])
        row = pick(db, r, "SELECT rowid FROM durable_schema_fields")
        db.execute(f"UPDATE durable_schema_fields SET {col} = ? WHERE rowid = ?", (val, row[0]))
    elif what == 1:
        col = r.choice(["frame", "value", "payload"])
        row = pick(db, r, f"SELECT workflow, {col} FROM durable_frames")
        b = bytearray(row[1] or b"")
        if b:
            for _ in range(r.randint(1, 5)):
                b[r.randrange(len(b))] = r.randrange(256)
            if r.random() < 0.5:
                b = b[: r.randrange(len(b) + 1)]
        db.execute(f"UPDATE durable_frames SET {col} = ? WHERE workflow = ?", (bytes(b), row[0]))
    elif what == 2:
        col = r.choice(["args", "result"])
        row = pick(db, r, f"SELECT id, {col} FROM durable_workflows")
        b = bytearray(row[1] or b"DF\x01\x00\x01\x00\x00\x00")
        for _ in range(r.randint(1, 5)):
            b[r.randrange(len(b))] = r.randrange(256)
        db.execute(f"UPDATE durable_workflows SET {col} = ? WHERE id = ?", (bytes(b), row[0]))
    elif what == 3:
        saves = r.choice(["", "0,", "x", "999", ",".join(str(i) for i in range(300)), "4294967296", "-1", None])
        row = pick(db, r, "SELECT rowid FROM durable_schema_awaits")
        db.execute("UPDATE durable_schema_awaits SET saves = ? WHERE rowid = ?", (saves, row[0]))
    elif what == 4:
        row = pick(db, r, "SELECT fingerprint FROM durable_schemas")
        db.execute("UPDATE durable_schemas SET frame_size = ?, args_size = ? WHERE fingerprint = ?",
                   (r.choice([0, 1, -5, 2**40, 3]), r.choice([0, 1, 2**33, 7]), row[0]))
    else:
        row = pick(db, r, "SELECT workflow FROM durable_frames")
        db.execute("UPDATE durable_frames SET state = ?, wait_kind = ? WHERE workflow = ?",
                   (r.choice([0, 1, 2, 5, -3, 2**40]), r.choice([0, 1, 2, 3, 4, 5, 6, 7, -1]), row[0]))


def main():
    durable, base = sys.argv[1], sys.argv[2]
    first, last = int(sys.argv[3]), int(sys.argv[4])
    ids = [row[0] for row in sqlite3.connect(base).execute("SELECT id FROM durable_workflows")]
    failures = 0
    for seed in range(first, last):
        r = random.Random(seed)
        shutil.copy(base, "mangled.db")
        db = sqlite3.connect("mangled.db")
        for _ in range(r.randint(1, 4)):
            try:
                damage(db, r)
            except sqlite3.IntegrityError:
                pass  # a NOT NULL column: that damage is not possible
        db.commit()
        db.close()
        runs = [["list", "mangled.db"], ["list", "mangled.db", "--json"]]
        for wid in ids:
            for cmd in ("show", "history"):
                runs += [[cmd, "mangled.db", wid], [cmd, "mangled.db", wid, "--json"]]
        for args in runs:
            p = subprocess.run([durable] + args, capture_output=True)
            err = p.stderr.decode(errors="replace")
            if p.returncode not in (0, 1) or "Sanitizer" in err or "runtime error" in err:
                print(f"seed {seed}: durable {' '.join(args)} exited {p.returncode}\n{err[-3000:]}", file=sys.stderr)
                shutil.copy("mangled.db", f"failed-seed-{seed}.db")
                failures += 1
    print(f"{last - first} damaged files (seeds {first}-{last - 1}), {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

# durable-gdb.py: gdb commands for programs built with dcc (docs/guide.md).
#
#   source /usr/local/share/durable/durable-gdb.py    (or gdb -x this file)
#
# durable-next (alias dnext): `next` over an await.  A durable function's
# step function returns to the runtime at every await, so plain `next` on an
# await's line stops in the runtime.  durable-next continues until the same
# coroutine is resumed after an await of that function (the step function
# enters the await's resume label, awN_, with the same co_), then finishes
# the await's line with `next`: it stops at the next line the durable
# function runs.  Without this file, type what it does (docs/guide.md).
import gdb


def _step_function(frame):
    fn = frame.function()
    if fn is None or not fn.name.endswith("__step"):
        return None
    return fn.name


def _quiet(cmd):
    """Run a gdb command without printing where it stops."""
    was = gdb.parameter("suppress-cli-notifications")
    gdb.execute("set suppress-cli-notifications on")
    try:
        return gdb.execute(cmd, to_string=True)
    finally:
        gdb.execute("set suppress-cli-notifications %s" % ("on" if was else "off"))


def _show(frame):
    """Print the current line, as `next` does."""
    sal = frame.find_sal()
    text = ""
    try:
        with open(sal.symtab.fullname()) as f:
            text = f.read().split("\n")[sal.line - 1]
    except (OSError, IndexError, AttributeError):
        pass
    gdb.write("%d\t%s\n" % (sal.line, text))


def _last_line(frame):
    """The line of a function's closing brace, where every return goes."""
    b = frame.block()
    while b.function is None and b.superblock is not None:
        b = b.superblock
    return gdb.find_pc_line(b.end - 1).line


def _same(frame, step, co):
    return _step_function(frame) == step and int(frame.read_var("co_")) == co


class DurableNext(gdb.Command):
    """Step over an await in a durable function: stop at the next line the
same coroutine runs once the await has completed (after the runtime resumed
it).  On a line without an await it is `next`."""

    def __init__(self):
        super().__init__("durable-next", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        frame = gdb.selected_frame()
        step = _step_function(frame)
        if step is None:
            raise gdb.GdbError("durable-next: not in a durable function (no f__step frame selected)")
        fn = gdb.parse_and_eval("%s__fn" % step[:-len("__step")])
        awaits = [fn["awaits"][k] for k in range(int(fn["nawaits"]))]
        line = frame.find_sal().line
        if line not in [int(a["line"]) for a in awaits]:
            gdb.execute("next")  # no await on this line
            return
        co = int(frame.read_var("co_"))
        last = _last_line(frame)
        for _ in range(1000):
            # wait until the runtime resumes this coroutine at an await
            bps = []
            try:
                for a in awaits:
                    bp = gdb.Breakpoint("-function %s -label aw%d_" % (step, int(a["id"])), internal=True)
                    bp.condition = "co_ == (durable_co *)%d" % co
                    bps.append(bp)
                out = _quiet("continue")
                hit = any(bp.hit_count for bp in bps)
            finally:
                for bp in bps:
                    bp.delete()
            if not hit:  # another breakpoint, a signal, the end of the program
                gdb.write(out)
                return
            # out of the resume code (lines of FILE.c.dcc.c) and over the
            # rest of the await's line, to another line of the function
            for _ in range(64):
                _quiet("next")
                here = gdb.selected_frame()
                if not _same(here, step, co):
                    break
                sal = here.find_sal()
                if sal.symtab is not None and (sal.symtab.filename.endswith(".dcc.c") or sal.line == line):
                    continue
                break
            if _same(here, step, co) and here.find_sal().line == last and line != last:
                # at the closing brace: did the rest of the line suspend at
                # another await (the step function returns DURABLE__SUSPEND)?
                _quiet("finish")  # its value goes to the value history
                if int(gdb.history(0)) == 1:
                    continue
                _show(gdb.selected_frame())
                return
            _show(here)
            return


DurableNext()
gdb.execute("alias dnext = durable-next")

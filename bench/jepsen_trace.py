#!/usr/bin/python3
"""jepsen_trace.py -- summarise the traces tests/lib/jepsen.py writes under
CASTOR_JEPSEN_TRACE=<dir> (bench/README.md, section jepsen):

    CASTOR_JEPSEN_TRACE=/tmp/jt /usr/bin/python3 bench/bench.py --only jepsen
    /usr/bin/python3 bench/jepsen_trace.py /tmp/jt/*/trace.json

Per trace: the JEPSEN line; each round's fault, the master it hit, the
server the checker read and how many acknowledged writes it lacked; for
the lost writes of a round, the port that acknowledged them and WAIT's
reply there, and when their SETs were sent, from the round's fault (a
WAIT sent just before a SIGSTOP returns after the SIGCONT); and how many
WAITs ran on another connection than their SET (must be 0: WAIT counts
the replicas that acknowledged its own connection's last write)."""

import collections
import json
import sys


def summary(path):
    with open(path) as f:
        d = json.load(f)
    out = [d["line"]]
    writes = {w[1]: w for w in d["writes"]}
    fault_at, fault, master = None, None, None
    for t, what, det in d["events"]:
        if what == "fault":
            fault_at, fault, master = t, det["fault"], det["master"]
        elif what == "checked":
            lost = [writes[k] for k in det["lost_now"] if k in writes]
            line = "round %d %s of %s: read %s, lost %d" % (det["round"], fault, master,
                                                          det["read_from"], len(lost))
            if lost:
                by = collections.Counter((w[3], w[5]) for w in lost)
                line += "; acknowledged by (port, WAIT reply): %s; %.2f-%.2f s after the fault" % (
                    dict(by), min(w[0] for w in lost) - fault_at, max(w[0] for w in lost) - fault_at)
            out.append("  " + line)
    other = sum(1 for w in d["writes"] if w[5] is not None and w[4] != w[7])
    out.append("  WAITs on another connection than their SET: %d" % other)
    return "\n".join(out)


def main(paths):
    if not paths:
        print(__doc__)
        return 2
    for p in paths:
        print(summary(p))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

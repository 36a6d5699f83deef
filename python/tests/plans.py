"""plans.py: prints the plans of the scheduling core through daso_torch._lib, for every rank,
as daso-plan's trace lines without its '# epoch' lines, feeding the losses of a file (one a line)
at each epoch's end; checks that every rank gets the same line and that mine and root name the
rank and that sends carry --chunk-elems. Used by tests/test_torch.sh:

    python3 python/tests/plans.py LOSSES --nodes 2 --gpus-per-node 2 --last-batch 5 --epochs 6
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from daso_torch import _lib  # noqa: E402

losses = [float(x) for x in open(sys.argv[1]) if x.strip()]
try:
    cfg = _lib.Config(sys.argv[2:], prog="plans")
except _lib.DasoError as e:
    print(e, file=sys.stderr)
    sys.exit(2)
info = cfg.info()
G, N = info.gpus_per_node, info.nodes
scheds = {(n, g): _lib.Sched(cfg) for n in range(N) for g in range(G)}
for e in range(info.epochs):
    while True:
        lines, last = set(), None
        for (n, g), s in scheds.items():
            p = s.next(n, g)
            lines.add(_lib.plan_format(p))
            last = p.last
            assert (p.node, p.local_rank, p.rank) == (n, g, n * G + g), "the rank asked for"
            for a in p.actions:
                group = a.kind in (_lib.ACT_SEND, _lib.ACT_MERGE, _lib.ACT_AVG)
                assert a.mine == (a.group == g if group else 1), f"mine of {_lib.plan_format(p)}"
                want = n * G + a.group if a.kind == _lib.ACT_BCAST else -1
                assert a.root == want, f"root of {_lib.plan_format(p)}"
                want = info.chunk_elems if a.kind == _lib.ACT_SEND else 0
                assert a.chunk_elems == want, f"chunk_elems of {_lib.plan_format(p)}"
        assert len(lines) == 1, f"the ranks' plans differ: {lines}"
        print(lines.pop())
        if last:
            break
    for s in scheds.values():
        s.epoch_end(losses[e])
assert all(s.epoch().done for s in scheds.values()), "every epoch ended"

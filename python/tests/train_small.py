"""train_small.py: one process of a small daso_torch job on random data (a 20-16-4 MLP, SGD with
momentum), for tests/test_torch.sh. Launched once per rank with a launcher's variables (torchrun's
RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, or srun's, or mpiexec's; MASTER_ADDR, MASTER_PORT):

    python3 python/tests/train_small.py OUT --strategy daso --last-batch 7 --epochs 4 ...

Writes OUT/trace.RANK (the executed batches as daso-plan's trace lines), OUT/hash.RANK (the
SHA-256 of the parameters' bytes at every epoch's end) and, from rank 0, OUT/losses (the
world-averaged losses fed back to the scheduler, one a line, exactly, and OUT/bytes, every
epoch's bytes inside and between nodes). TRAIN_STOP_AFTER=E
writes OUT/ckpt.RANK (job.state_dict()) after epoch E and stops; TRAIN_RESUME=DIR resumes from
DIR/ckpt.RANK (the outputs then hold only the epochs run).
"""

import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import torch  # noqa: E402

import daso_torch  # noqa: E402
import daso_torch.wrapper  # noqa: E402

torch.set_num_threads(1)
out, args = sys.argv[1], sys.argv[2:]
rank = daso_torch.wrapper.launcher_env()[0]
torch.manual_seed(rank)  # different initial replicas: the wrapper must make them alike
model = torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
job = daso_torch.DASO(model, opt, args, prog="train_small")
batches, epochs = job.info.last_batch + 1, job.info.epochs
gen = torch.Generator().manual_seed(1000 + rank)
x = torch.randn(batches, 8, 20, generator=gen)
y = torch.randint(0, 4, (batches, 8), generator=gen)
loss_fn = torch.nn.CrossEntropyLoss()
hashes, losses = [], []
first, stop = 0, int(os.environ.get("TRAIN_STOP_AFTER", epochs - 1))
if os.environ.get("TRAIN_RESUME"):
    try:
        job.load_state_dict(torch.load(os.path.join(os.environ["TRAIN_RESUME"], f"ckpt.{rank}")))
    except daso_torch._lib.DasoError as e:
        if rank == 0:
            print(e, file=sys.stderr)
        sys.exit(2)
    first = job.sched.epoch().epoch
for e in range(first, stop + 1):
    for b in range(batches):
        job.step(lambda: loss_fn(model(x[b]), y[b]))
    loss, _ = job.epoch_end()
    losses.append(repr(loss))
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    hashes.append(hashlib.sha256(flat.numpy().tobytes()).hexdigest())
if stop < epochs - 1:
    torch.save(job.state_dict(), os.path.join(out, f"ckpt.{rank}"))
with open(os.path.join(out, f"trace.{rank}"), "w") as f:
    f.write("".join(t + "\n" for t in job.trace))
with open(os.path.join(out, f"hash.{rank}"), "w") as f:
    f.write("".join(h + "\n" for h in hashes))
if rank == 0:
    with open(os.path.join(out, "losses"), "w") as f:
        f.write("".join(v + "\n" for v in losses))
    with open(os.path.join(out, "bytes"), "w") as f:
        f.write("".join("%.17g %.17g\n" % b for b in job.epoch_bytes[-(stop + 1 - first):]))

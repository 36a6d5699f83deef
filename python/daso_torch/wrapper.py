"""wrapper.py: daso_torch.DASO, a torch.nn.Module and its optimizer trained data-parallel with
torch.distributed, every batch's communication planned by the scheduling core (daso_torch._lib)
and executed as daso-train executes it (core/driver.c, real/mpi_backend.c):

  - the backward's gradient reduction: none, the node's average (a process group of the node's
    ranks), the world's (sync: DDP-like buckets of --bucket-mb) or the hierarchical one (hier);
  - after the optimizer's step, the plan's actions in order: send (the global group C_g's
    non-blocking parameter sum, dist.all_reduce(async_op=True) in chunks of --chunk-elems, the
    remainder first), merge and avg (wait for it, x := w_local * x + w_sum * sum), bcast (from
    the node's local rank g), avg world (a blocking average of the parameters);
  - messages in the plan's format (fp32, bf16, fp16);
  - at the epoch's end, the training loss averaged over all ranks, fed back to the scheduler;
  - the bytes sent inside and between nodes, counted as daso-train counts them (epoch_bytes);
  - checkpoints at an epoch's end: state_dict() and load_state_dict() with the scheduler's state.

Ranks are node-contiguous (rank = node * G + local_rank). G is --gpus-per-node if given, else
the launcher's processes per node (LOCAL_WORLD_SIZE, SLURM_NTASKS_PER_NODE, MPI_LOCALNRANKS),
else the world (one node). The job is launched by torchrun (RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR, MASTER_PORT), mpiexec (PMI_RANK, PMI_SIZE, or Open MPI's OMPI_COMM_WORLD_*) or
srun (SLURM_PROCID, SLURM_NTASKS); MASTER_ADDR and MASTER_PORT default to 127.0.0.1:29500.
The backend is NCCL when the model is on a GPU, else gloo. gloo has no bf16 sum: there a bf16
message travels as fp32 numbers holding bf16 values and its sum is rounded to bf16 (the same
result as a bf16 sum for 2 nodes, twice its bytes).

A bad option (the library's check) prints one line from rank 0 and ends every process with
exit status 2, before any process group is made.
"""

import os
import re
import sys

import torch
import torch.distributed as dist

from . import _lib

_DTYPES = {_lib.FMT_FP32: torch.float32, _lib.FMT_BF16: torch.bfloat16,
           _lib.FMT_FP16: torch.float16}


def _env_int(*names):
    """The first of the variables that is set, as an integer (SLURM's "2(x3)" is 2)."""
    for n in names:
        m = re.match(r"\d+", os.environ.get(n, ""))
        if m:
            return int(m.group())
    return None


def launcher_env():
    """(rank, world, processes per node or None) from the launcher's environment."""
    rank = _env_int("RANK", "PMI_RANK", "OMPI_COMM_WORLD_RANK", "SLURM_PROCID")
    world = _env_int("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "SLURM_NTASKS")
    per_node = _env_int("LOCAL_WORLD_SIZE", "MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE",
                        "SLURM_NTASKS_PER_NODE")
    if rank is None or world is None:
        rank, world = 0, 1
    return rank, world, per_node


def init_from_env(backend):
    """Initializes torch.distributed from the launcher's environment (if not done already)."""
    if dist.is_initialized():
        return
    rank, world, _ = launcher_env()
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29500")
    dist.init_process_group(backend, init_method="env://", rank=rank, world_size=world)


def _allreduce_bytes(nbytes, members):  # core/volume.c's closed forms, per member
    return 2.0 * (members - 1) / members * nbytes if members > 1 else 0.0


def _bcast_bytes(nbytes, members):
    return (members - 1) / members * nbytes if members > 1 else 0.0


def _die_input(rank, line):
    if rank == 0:
        print(line, file=sys.stderr, flush=True)
    sys.exit(2)


def _chunks(n, most):
    """core/chunk.h's cut of n elements into messages of at most `most`, the remainder first."""
    if n <= most:
        return [(0, n)] if n else []
    k = -(-n // most)
    first = n - most * (k - 1)
    return [(0, first)] + [(first + i * most, most) for i in range(k - 1)]


class DASO:
    """DASO (or a baseline) for `model` and `optimizer`, with the programs' options `args`
    (--strategy, --last-batch, --epochs, the DASO hyperparameters...; --nodes and
    --gpus-per-node follow from the launch when not given). Call step() once per batch and
    epoch_end() after each epoch's last batch."""

    def __init__(self, model, optimizer, args, prog="daso_torch"):
        self.model, self.optimizer = model, optimizer
        self.params = [p for p in model.parameters()]
        rank, world, per_node = launcher_env()
        if dist.is_initialized():
            rank, world = dist.get_rank(), dist.get_world_size()
        args = [str(a) for a in args]
        if "--gpus-per-node" not in args and not any(a.startswith("--gpus-per-node=")
                                                     for a in args):
            args += ["--gpus-per-node", str(per_node or world)]
        try:
            probe = _lib.Config(args + ["--nodes", "1"], prog=prog)
            G = probe.info().gpus_per_node
            if world % G:
                _die_input(rank, f"{prog}: --gpus-per-node {G} does not divide the {world} "
                                 "processes")
            if not any(a == "--nodes" or a.startswith("--nodes=") for a in args):
                args += ["--nodes", str(world // G)]
            self.config = _lib.Config(args, prog=prog)
        except _lib.DasoError as e:
            _die_input(rank, str(e))
        self.info = self.config.info()
        N, G = self.info.nodes, self.info.gpus_per_node
        if N * G != world:
            _die_input(rank, f"{prog}: --nodes {N} x --gpus-per-node {G} is not the {world} "
                             "processes")
        warning = self.config.warning()
        if warning and rank == 0:  # as the programs warn
            print(f"{prog}: {warning}", file=sys.stderr, flush=True)
        self.device = self.params[0].device
        init_from_env("nccl" if self.device.type == "cuda" else "gloo")
        self.rank, self.world, self.G, self.N = rank, world, G, N
        self.node, self.local = rank // G, rank % G
        self.native_bf16 = dist.get_backend() != "gloo"
        # every rank makes every group, in the same order
        nodes = [dist.new_group(list(range(n * G, n * G + G))) for n in range(N)]
        self.node_group = nodes[self.node]
        self.global_groups = [dist.new_group([n * G + g for n in range(N)]) for g in range(G)]
        self.sched = _lib.Sched(self.config)
        self.pending = {}  # group -> (message, works, fmt) of a send not yet merged
        self.trace = []  # the executed batches, as daso-plan's trace lines
        self.loss_sum, self.batches = 0.0, 0
        self.n_params = sum(p.numel() for p in self.params)
        self.bytes = [0.0, 0.0]  # this rank's bytes of the epoch: inside nodes, between nodes
        self.epoch_bytes = []  # (inside, between) of every ended epoch, summed over all ranks
        flat = self._flat()
        dist.broadcast(flat, 0)  # the replicas start alike, as DDP's
        self._set_flat(flat)

    # ---- the flat parameter and gradient vectors

    def _flat(self):
        return torch.cat([p.data.reshape(-1) for p in self.params])

    def _set_flat(self, flat):
        off = 0
        for p in self.params:
            n = p.numel()
            p.data.copy_(flat[off:off + n].view_as(p))
            off += n

    def _pack(self, x, fmt):
        """The message of x in format fmt, as this backend can sum it."""
        if fmt == _lib.FMT_FP32:
            return x.clone()
        m = x.to(_DTYPES[fmt])
        return m if fmt != _lib.FMT_BF16 or self.native_bf16 else m.float()

    @staticmethod
    def _unpack(m, fmt):
        return m.to(_DTYPES[fmt]).float() if fmt != _lib.FMT_FP32 else m

    def _allreduce(self, x, fmt, group, chunk=None):
        """The sum of x over group in format fmt (blocking), in chunks of at most chunk."""
        m = self._pack(x, fmt)
        works = [dist.all_reduce(m[o:o + n], group=group, async_op=True)
                 for o, n in _chunks(m.numel(), chunk or max(m.numel(), 1))]
        for w in works:
            w.wait()
        return self._unpack(m, fmt)

    # ---- the bytes sent, as daso-train counts them (core/driver.c, core/volume.c): per rank, in
    # the plan's formats (on gloo a bf16 message really takes fp32's bytes)

    def _bytes(self, fmt):
        return self.n_params * (4 if fmt == _lib.FMT_FP32 else 2)

    def _count_world(self, nbytes, ring):
        N, G = self.N, self.G
        if ring:  # a ring of all ranks, node by node: N of its N * G edges cross nodes
            per_rank = _allreduce_bytes(nbytes, N * G)
            crossing = N / (N * G) if N > 1 else 0.0
            self.bytes[0] += per_rank * (1 - crossing)
            self.bytes[1] += per_rank * crossing
        else:  # hierarchical: inside the node, then each 1/G slice across the nodes
            self.bytes[0] += 2.0 * (G - 1) / G * nbytes
            self.bytes[1] += _allreduce_bytes(nbytes / G, N)

    # ---- a batch

    def _reduce_grads(self, plan):
        if plan.grad == _lib.GRAD_NONE:
            return ""
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.params]
        g = torch.cat([x.reshape(-1) for x in grads])
        fmt, text = plan.grad_fmt, ""
        nbytes = self._bytes(fmt)
        if plan.grad == _lib.GRAD_NODE:
            g = self._allreduce(g, fmt, self.node_group) * (1.0 / self.G)
            self.bytes[0] += _allreduce_bytes(nbytes, self.G)
        else:  # world: buckets of --bucket-mb (hier: one message; the same sum on every rank)
            esz = 4 if fmt == _lib.FMT_FP32 else 2
            bucket = (max(int(self.info.bucket_bytes // esz), 1)
                      if plan.grad == _lib.GRAD_WORLD else None)
            g = self._allreduce(g, fmt, None, bucket) * (1.0 / self.world)
            self._count_world(nbytes, plan.grad == _lib.GRAD_WORLD)
            text = " allreduce-grads %s %s" % (
                "world" if plan.grad == _lib.GRAD_WORLD else "hier", _lib.FMT_NAMES[fmt])
        off = 0
        for p, x in zip(self.params, grads):
            n = p.numel()
            x.copy_(g[off:off + n].view_as(p))
            p.grad = x
            off += n
        return text

    def _act(self, a):
        """Executes one action (if it is this rank's); its trace text."""
        k, fmtname = a.kind, _lib.FMT_NAMES[a.fmt]
        if k == _lib.ACT_SEND:
            if a.mine:
                assert a.group not in self.pending, f"a second send of group {a.group}"
                m = self._pack(self._flat(), a.fmt)
                works = [dist.all_reduce(m[o:o + n], group=self.global_groups[a.group],
                                         async_op=True)
                         for o, n in _chunks(m.numel(), a.chunk_elems)]
                self.pending[a.group] = (m, works, a.fmt)
                self.bytes[1] += _allreduce_bytes(self._bytes(a.fmt), self.N)
            return f"send g{a.group} B{a.tag} {fmtname}"
        if k in (_lib.ACT_MERGE, _lib.ACT_AVG):
            if a.mine:
                m, works, fmt = self.pending.pop(a.group)
                for w in works:
                    w.wait()
                s = self._unpack(m, fmt)
                x = self._flat() * a.w_local + s * a.w_sum
                if a.w_local == 0 and fmt != _lib.FMT_FP32:  # rounded, as HeAT divides in 16 bits
                    x = x.to(_DTYPES[fmt]).float()
                self._set_flat(x)
            return (f"merge g{a.group} B{a.tag}" if k == _lib.ACT_MERGE else f"avg g{a.group}")
        if k == _lib.ACT_BCAST:
            x = self._flat()
            dist.broadcast(x, a.root, group=self.node_group)
            self.bytes[0] += _bcast_bytes(self._bytes(_lib.FMT_FP32), self.G)
            self._set_flat(x)
            return f"bcast g{a.group}"
        if k == _lib.ACT_WORLD_AVG:
            self._set_flat(self._allreduce(self._flat(), a.fmt, None) * (1.0 / self.world))
            self._count_world(self._bytes(a.fmt), False)
            return f"avg world {fmtname}"
        raise ValueError(f"unknown action kind {k}")

    def step(self, closure):
        """One batch: loss = closure() (the forward), its backward with the plan's gradient
        reduction, the optimizer's step, then the plan's actions. Returns the loss (a float)."""
        plan = self.sched.next(self.node, self.local)
        self.optimizer.zero_grad()
        loss = closure()
        loss.backward()
        items = [self._reduce_grads(plan).strip()]
        self.optimizer.step()
        items += [self._act(a) for a in plan.actions]
        items = [t for t in items if t]
        self.trace.append("%d %d %s %s" % (plan.epoch, plan.batch,
                                           "off" if plan.grad == _lib.GRAD_NONE else "on",
                                           "; ".join(items) if items else "-"))
        value = float(loss.detach())
        self.loss_sum += value
        self.batches += 1
        return value

    def epoch_end(self):
        """After the epoch's last batch: the world-averaged training loss, fed back to the
        scheduler; returns (that loss, the next epoch's daso_epoch). The epoch's bytes, summed
        over all ranks, go to epoch_bytes."""
        t = torch.tensor([self.loss_sum / max(self.batches, 1)] + self.bytes,
                         dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        loss = float(t[0]) / self.world
        self.epoch_bytes.append((float(t[1]), float(t[2])))
        self.loss_sum, self.batches, self.bytes = 0.0, 0, [0.0, 0.0]
        return loss, self.sched.epoch_end(loss)

    # ---- checkpoints (at an epoch's end, where no send is in flight), one per rank

    def state_dict(self):
        """The rank's model, optimizer and scheduler state (torch.save writes it)."""
        if self.pending or self.batches:
            raise RuntimeError("daso_torch: a checkpoint is taken at an epoch's end")
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "daso": self.sched.state(), "settings": self.config.settings()}

    def load_state_dict(self, state):
        """Resumes from state_dict()'s: DasoError (the library's line) when the scheduler's state
        is damaged or comes from other settings, nothing changed then."""
        self.sched.load_state(state["daso"])
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])

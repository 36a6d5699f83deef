"""daso_torch: DASO and its baselines for any torch.nn.Module, planned by the toolkit's scheduling
core (build/libdasocore.so through ctypes, daso_torch._lib) and executed with torch.distributed
(gloo on CPU, NCCL on GPU), launched by torchrun, srun or mpiexec:

    import daso_torch
    job = daso_torch.DASO(model, optimizer, ["--strategy", "daso", "--gpus-per-node", "2",
                                             "--last-batch", str(batches - 1), "--epochs", "8"])
    for epoch in range(8):
        for batch in range(batches):
            job.step(lambda: loss_fn(model(x[batch]), y[batch]))  # the plan of this batch
        job.epoch_end()                                           # the loss fed back

The wrapper (daso_torch.wrapper) needs torch; the binding alone (daso_torch._lib) does not.
"""

__all__ = ["DASO", "init_from_env"]


def __getattr__(name):  # the wrapper loads torch only when it is asked for
    if name in __all__:
        from . import wrapper

        return getattr(wrapper, name)
    raise AttributeError(name)

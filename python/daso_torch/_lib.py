"""_lib.py: the ctypes binding of the scheduling core's C API (core/daso.h, build/libdasocore.so).

Every function and struct of daso.h, with the structs' layouts checked against their documented
sizes. The library is found, in order: the path in the environment variable DASO_LIB, the
repository's build/libdasocore.so next to this package (python/daso_torch -> build/), then the
system's (ctypes.util.find_library("dasocore")). Errors of the library (one line,
"<prog>: <message>") raise DasoError with that line.

    from daso_torch import _lib
    cfg = _lib.Config(["--nodes", "2", "--gpus-per-node", "2", "--last-batch", "9",
                       "--epochs", "3"], prog="train")
    s = _lib.Sched(cfg)
    plan = s.next(node, local_rank)      # a DasoPlan; _lib.plan_format(plan) is daso-plan's line
    ...
    nxt = s.epoch_end(loss)              # a DasoEpoch
"""

import ctypes
import ctypes.util
import os

ABI_VERSION = 1  # the DASO_ABI_VERSION this binding was written for

GRAD_NONE, GRAD_NODE, GRAD_WORLD, GRAD_HIER = 0, 1, 2, 3
ACT_SEND, ACT_MERGE, ACT_AVG, ACT_BCAST, ACT_WORLD_AVG = 0, 1, 2, 3, 4
FMT_FP32, FMT_BF16, FMT_FP16 = 0, 1, 2
FMT_NAMES = ("fp32", "bf16", "fp16")
MAX_ACTIONS = 8

_i32, _i64, _dbl = ctypes.c_int32, ctypes.c_int64, ctypes.c_double


class DasoError(Exception):
    """A refusal of the library: str(e) is its one line, "<prog>: <message>"."""


class DasoInfo(ctypes.Structure):
    _fields_ = [("strategy_", ctypes.c_char * 16), ("nodes", _i32), ("gpus_per_node", _i32),
                ("last_batch", _i32), ("epochs", _i32), ("fixed", _i32), ("all_blocking", _i32),
                ("chunk_elems", _i64), ("bucket_bytes", _dbl)]

    @property
    def strategy(self):
        return self.strategy_.decode()


class DasoAction(ctypes.Structure):
    _fields_ = [("kind", _i32), ("group", _i32), ("tag", _i32), ("fmt", _i32), ("mine", _i32),
                ("root", _i32), ("chunk_elems", _i64), ("w_local", _dbl), ("w_sum", _dbl)]


class DasoPlan(ctypes.Structure):
    _fields_ = [("epoch", _i32), ("batch", _i32), ("node", _i32), ("local_rank", _i32),
                ("rank", _i32), ("grad", _i32), ("grad_fmt", _i32), ("blocking", _i32),
                ("last", _i32), ("n_actions", _i32), ("act", DasoAction * MAX_ACTIONS)]

    @property
    def actions(self):
        return list(self.act[:self.n_actions])


class DasoEpoch(ctypes.Structure):
    _fields_ = [("epoch", _i32), ("batch", _i32), ("gs", _i32), ("ls", _i32), ("S", _i32),
                ("blocking", _i32), ("end_due", _i32), ("done", _i32)]


for _s, _n in ((DasoInfo, 56), (DasoAction, 48), (DasoPlan, 424), (DasoEpoch, 32)):
    assert ctypes.sizeof(_s) == _n, f"{_s.__name__} is {ctypes.sizeof(_s)} bytes, not {_n}"


def _find():
    path = os.environ.get("DASO_LIB")
    if path:
        return path
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.join(here, "..", "..", "build", "libdasocore.so")
    if os.path.exists(built):
        return os.path.normpath(built)
    return ctypes.util.find_library("dasocore") or "libdasocore.so.%d" % ABI_VERSION


def _load():
    path = _find()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise DasoError(f"daso_torch: cannot load the scheduling core {path}: {e}") from None
    P, c_size, c_int, c_char_p = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_char_p
    sigs = {
        "daso_version": (c_char_p, []),
        "daso_abi_version": (c_int, []),
        "daso_config_new": (P, [c_int, ctypes.POINTER(c_char_p), c_char_p, c_size]),
        "daso_config_free": (None, [P]),
        "daso_config_help": (c_size, [c_char_p, c_size]),
        "daso_config_settings": (c_size, [P, c_char_p, c_size]),
        "daso_config_warning": (c_size, [P, c_char_p, c_size]),
        "daso_config_info": (None, [P, ctypes.POINTER(DasoInfo)]),
        "daso_plan_format": (c_int, [ctypes.POINTER(DasoPlan), c_char_p, c_size]),
        "daso_sched_new": (P, [P]),
        "daso_sched_free": (None, [P]),
        "daso_sched_next": (c_int, [P, c_int, c_int, ctypes.POINTER(DasoPlan), c_char_p, c_size]),
        "daso_sched_epoch_end": (c_int, [P, _dbl, ctypes.POINTER(DasoEpoch), c_char_p, c_size]),
        "daso_sched_epoch": (None, [P, ctypes.POINTER(DasoEpoch)]),
        "daso_state_size": (c_size, [P]),
        "daso_state_save": (c_int, [P, P, c_size]),
        "daso_state_load": (c_int, [P, P, c_size, c_char_p, c_size]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    abi = lib.daso_abi_version()
    if abi != ABI_VERSION:
        raise DasoError(f"daso_torch: {path} has ABI version {abi}, this binding needs "
                        f"{ABI_VERSION}")
    return lib


lib = _load()
_ERRLEN = 1024


def _text(call):
    """The whole text of a function written like snprintf: call(buf, len) -> length needed."""
    n = call(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    call(buf, n + 1)
    return buf.value.decode()


def version():
    return lib.daso_version().decode()


def abi_version():
    return lib.daso_abi_version()


def config_help():
    return _text(lib.daso_config_help)


def plan_format(plan):
    """daso-plan's trace line of a plan ("2 1 on merge g0 B1; bcast g0")."""
    return _text(lambda b, n: lib.daso_plan_format(ctypes.byref(plan), b, n))


class Config:
    """A configuration from the programs' option names; DasoError with the line if refused."""

    def __init__(self, args, prog="daso_torch"):
        words = [prog] + [str(a) for a in args]
        argv = (ctypes.c_char_p * len(words))(*[w.encode() for w in words])
        err = ctypes.create_string_buffer(_ERRLEN)
        self._p = lib.daso_config_new(len(words), argv, err, _ERRLEN)
        if not self._p:
            raise DasoError(err.value.decode())

    def __del__(self):
        if getattr(self, "_p", None):
            lib.daso_config_free(self._p)
            self._p = None

    def info(self):
        out = DasoInfo()
        lib.daso_config_info(self._p, ctypes.byref(out))
        return out

    def settings(self):
        return _text(lambda b, n: lib.daso_config_settings(self._p, b, n))

    def warning(self):
        return _text(lambda b, n: lib.daso_config_warning(self._p, b, n))


class Sched:
    """One rank's scheduler (its own copy of the configuration)."""

    def __init__(self, config):
        self._p = lib.daso_sched_new(config._p)
        if not self._p:
            raise MemoryError("daso_sched_new")

    def __del__(self):
        if getattr(self, "_p", None):
            lib.daso_sched_free(self._p)
            self._p = None

    def next(self, node, local_rank):
        plan, err = DasoPlan(), ctypes.create_string_buffer(_ERRLEN)
        if lib.daso_sched_next(self._p, node, local_rank, ctypes.byref(plan), err, _ERRLEN) != 0:
            raise DasoError(err.value.decode())
        return plan

    def epoch_end(self, loss):
        nxt, err = DasoEpoch(), ctypes.create_string_buffer(_ERRLEN)
        if lib.daso_sched_epoch_end(self._p, float(loss), ctypes.byref(nxt), err, _ERRLEN) != 0:
            raise DasoError(err.value.decode())
        return nxt

    def epoch(self):
        out = DasoEpoch()
        lib.daso_sched_epoch(self._p, ctypes.byref(out))
        return out

    def state(self):
        """The scheduler's state as bytes (for checkpoints)."""
        n = lib.daso_state_size(self._p)
        buf = ctypes.create_string_buffer(n)
        if lib.daso_state_save(self._p, buf, n) != 0:
            raise DasoError("daso_torch: daso_state_save refused a buffer of its own size")
        return buf.raw

    def load_state(self, data):
        err = ctypes.create_string_buffer(_ERRLEN)
        buf = ctypes.create_string_buffer(bytes(data), len(data))
        if lib.daso_state_load(self._p, buf, len(data), err, _ERRLEN) != 0:
            raise DasoError(err.value.decode())

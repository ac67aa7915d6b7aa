"""The safetensors format, read and written with numpy alone (no pickle, no torch).

A file is an 8-byte little-endian header length N, N bytes of JSON, then the raw tensor bytes::

    {"__metadata__": {"key": "text", ...},                      (optional, strings only)
     "lstm.weight_ih_l0": {"dtype": "F64", "shape": [64, 1], "data_offsets": [0, 512]}, ...}

``data_offsets`` are [begin, end) in the byte buffer after the header; together the tensors
cover it exactly, without holes or overlaps.  Loading runs no code: it is JSON and numbers.

Reading trusts nothing: a regular file of at most MAX_BYTES (``fileio.read_regular``), a
header of at most MAX_HEADER_BYTES that fits in the file, strict JSON without repeated names,
every tensor F32 or F64 with a shape matching its bytes, offsets inside the buffer covering it
exactly, every value finite.  Anything else is one SafetensorsError whose str() is one line;
nothing is returned, so nothing half-read is ever used.
"""
from __future__ import annotations

import json
import math
import struct

import numpy as np

from .. import limits
from ..limits.fileio import FileAccessError, read_regular, write_atomic

SUFFIX = ".safetensors"
MAX_BYTES = limits.MAX_SAFETENSORS_BYTES
MAX_HEADER_BYTES = limits.MAX_SAFETENSORS_HEADER
MAX_TENSORS = 4096
MAX_NAME = 300                     # characters in a tensor's name
MAX_DIMS = 8
# The only dtypes read: model weights are floats, and lstm-gui computes in float64.
READ_DTYPES = {"F32": "<f4", "F64": "<f8"}
# Every dtype the format names (safetensors 0.4+), so that a refusal names what was found.
KNOWN_DTYPES = ("BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
                "I64", "U64", "F8_E4M3", "F8_E5M2")
TORCH_SUFFIXES = (".pt", ".pth", ".ckpt")
SAVE_HINT = ('save its state_dict as safetensors in Python: from safetensors.torch import save_file; '
             'save_file(model.state_dict(), "m.safetensors")')


class SafetensorsError(ValueError):
    """A file that is not safetensors lstm-gui reads; str() is one line naming the path."""

    def __init__(self, path, reason: str):
        self.path = path
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{path}: {self.reason}")

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


# ---------------------------------------------------------------- writing

def dumps(tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> bytes:
    """The bytes of a safetensors file holding `tensors` as float64 (F64), names as given.

    The header is padded with spaces to a multiple of 8 bytes (as the safetensors package
    does), so each tensor starts 8-byte aligned.
    """
    header: dict[str, object] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks, offset = [], 0
    for name, value in tensors.items():
        arr = np.asarray(value, dtype="<f8")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"tensor {name!r} holds NaN or infinite values")
        raw = arr.tobytes(order="C")
        header[name] = {"dtype": "F64", "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def write(path, tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> None:
    """Save `tensors` to `path` atomically (fileio.write_atomic) as float64 safetensors."""
    write_atomic(path, dumps(tensors, metadata))


# ---------------------------------------------------------------- reading

def read(path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(tensors as float64 arrays, metadata) from the safetensors file at `path`.

    Raises SafetensorsError (one line) for anything but a valid file of F32/F64 tensors.
    """
    refuse_torch_pickle(path)
    try:
        data = read_regular(path, MAX_BYTES, "safetensors file")
    except FileAccessError as exc:
        raise SafetensorsError(path, exc.reason) from None
    try:
        return loads(data)
    except ValueError as exc:
        raise SafetensorsError(path, str(exc)) from None


def refuse_torch_pickle(path) -> None:
    """SafetensorsError for a PyTorch pickle (.pt, .pth, ...): never unpickled, it can run code."""
    name = str(path).lower()
    if name.endswith(TORCH_SUFFIXES):
        raise SafetensorsError(path, "is a PyTorch pickle, which lstm-gui never opens (loading one "
                               f"can run code); {SAVE_HINT}")


def is_torch_pickle(data: bytes) -> bool:
    """True for the first bytes of torch.save's output: a zip archive or a raw pickle."""
    return data.startswith(b"PK\x03\x04") or (len(data) > 1 and data[0] == 0x80 and data[1] <= 5)


def loads(data: bytes) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(tensors, metadata) from the bytes of a safetensors file; ValueError (one line) if invalid."""
    (n,) = struct.unpack("<Q", data[:8]) if len(data) >= 8 else (0,)
    plausible = len(data) >= 9 and n <= len(data) - 8 and data[8:9] == b"{"
    if not plausible and is_torch_pickle(data):
        raise ValueError(f"is a PyTorch pickle (torch.save), which lstm-gui never opens; {SAVE_HINT}")
    if len(data) < 8:
        raise ValueError(f"is {len(data)} bytes long, too short for safetensors (8-byte header length)")
    if n > MAX_HEADER_BYTES:
        raise ValueError(f"has a header of {n:,} bytes; lstm-gui reads headers up to "
                         f"{MAX_HEADER_BYTES:,} bytes")
    if n > len(data) - 8:
        raise ValueError(f"says its header is {n:,} bytes but only {len(data) - 8:,} follow; "
                         "the file is truncated or not safetensors")
    header = _parse_header(data[8:8 + n])
    buffer = memoryview(data)[8 + n:]
    metadata = _metadata(header.pop("__metadata__", None))
    if len(header) > MAX_TENSORS:
        raise ValueError(f"holds {len(header):,} tensors; lstm-gui reads at most {MAX_TENSORS:,}")
    spans = {name: _span(name, info) for name, info in header.items()}
    _check_coverage(spans, len(buffer))
    tensors = {}
    for name, (dtype, shape, begin, end) in spans.items():
        arr = np.frombuffer(buffer[begin:end], dtype=READ_DTYPES[dtype]).astype(np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"tensor {_shown(name)} holds NaN or infinite values")
        tensors[name] = arr.reshape(shape)
    return tensors, metadata


def _no_repeats(pairs):
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the header names {_shown(key)} twice")
        seen[key] = value
    return seen


def _no_constant(name):
    raise ValueError(f"the header holds {name}, which is not JSON")


def _parse_header(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("its header is not UTF-8 JSON; not a safetensors file") from None
    if not text.lstrip().startswith("{"):
        raise ValueError("its header is not a JSON object; not a safetensors file")
    try:
        header = json.loads(text, object_pairs_hook=_no_repeats, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("its header is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"its header is not valid JSON ({exc.msg} at byte {exc.pos})") from None
    if not isinstance(header, dict):
        raise ValueError("its header is not a JSON object; not a safetensors file")
    return header


def _metadata(meta) -> dict[str, str]:
    if meta is None:
        return {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise ValueError("its __metadata__ must map names to strings")
    return meta


def _shown(name: str) -> str:
    return repr(name if len(name) <= 60 else name[:57] + "...")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _span(name: str, info) -> tuple[str, tuple[int, ...], int, int]:
    """(dtype, shape, begin, end) of one header entry, checked for itself."""
    if len(name) > MAX_NAME:
        raise ValueError(f"a tensor name is {len(name):,} characters long; at most {MAX_NAME}")
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise ValueError(f"tensor {_shown(name)} must be described by exactly dtype, shape and "
                         "data_offsets")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(dtype, str) or dtype not in READ_DTYPES:
        known = dtype if isinstance(dtype, str) and dtype in KNOWN_DTYPES else f"an unknown dtype {str(dtype)[:20]!r}"
        raise ValueError(f"tensor {_shown(name)} is {known}; lstm-gui reads F32 and F64 weights only "
                         "(in PyTorch: model.double() or .float() before saving)")
    if (not isinstance(shape, list) or len(shape) > MAX_DIMS
            or not all(_is_int(d) and d >= 0 for d in shape)):
        raise ValueError(f"tensor {_shown(name)} has shape {str(shape)[:40]}; a shape is a list of at "
                         f"most {MAX_DIMS} sizes >= 0")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_int(o) for o in offsets)):
        raise ValueError(f"tensor {_shown(name)} has data_offsets {str(offsets)[:40]}; they are two "
                         "whole numbers [begin, end]")
    begin, end = offsets
    if not 0 <= begin <= end:
        raise ValueError(f"tensor {_shown(name)} has data_offsets [{begin}, {end}]; they must satisfy "
                         "0 <= begin <= end")
    size = math.prod(shape) * int(READ_DTYPES[dtype][-1])
    if end - begin != size:
        raise ValueError(f"tensor {_shown(name)} of shape {shape} in {dtype} needs {size:,} bytes but "
                         f"its data_offsets span {end - begin:,}")
    return dtype, tuple(shape), begin, end


def _check_coverage(spans: dict, length: int) -> None:
    """The tensors' byte ranges must tile [0, length): no gap, no overlap, nothing outside."""
    at, previous = 0, ""
    for name, (_, _, begin, end) in sorted(spans.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if end > length:
            raise ValueError(f"tensor {_shown(name)} ends at byte {end:,} of a data buffer of "
                             f"{length:,} bytes; the file is truncated")
        if begin < at:
            raise ValueError(f"tensors {_shown(previous)} and {_shown(name)} overlap in the file")
        if begin > at:
            raise ValueError(f"the bytes {at:,} to {begin:,} of the data belong to no tensor")
        at, previous = end, name
    if at != length:
        raise ValueError(f"the data holds {length - at:,} bytes beyond its last tensor")

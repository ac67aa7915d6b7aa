"""safetensors with numpy alone: exact round trips, the package's own files, hostile files refused."""
import json
import os
import struct

import numpy as np
import pytest

from lstm_gui.core.files import safetensors as st
from lstm_gui.core.files.safetensors import SafetensorsError


def _file(header: dict | bytes, data: bytes = b"", n: int | None = None) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw) if n is None else n) + raw + data


def _entry(dtype="F64", shape=(2,), begin=0, end=16):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": [begin, end]}


def test_round_trip_is_exact_and_keeps_order_shapes_and_metadata():
    rng = np.random.default_rng(3)
    tensors = {"lstm.weight_ih_l0": rng.normal(size=(64, 1)), "readout.bias": rng.normal(size=1),
               "scalar": np.array(2.5), "empty": np.zeros((0, 3))}
    data = st.dumps(tensors, {"lstm-gui": "test"})
    back, meta = st.loads(data)
    assert list(back) == list(tensors)
    for name, arr in tensors.items():
        assert back[name].shape == arr.shape
        assert back[name].tobytes() == np.asarray(arr, float).tobytes()
    assert meta == {"lstm-gui": "test"}
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0                   # tensors start 8-byte aligned, as the package writes them


def test_file_round_trip_and_float32_read_as_float64(tmp_path):
    path = tmp_path / "m.safetensors"
    st.write(path, {"w": np.array([[1.5, -2.0]])})
    tensors, meta = st.read(path)
    assert tensors["w"].tolist() == [[1.5, -2.0]] and meta == {}
    f32 = np.array([0.1, 0.2], dtype="<f4")
    tensors, _ = st.loads(_file({"v": _entry("F32", (2,), 0, 8)}, f32.tobytes()))
    assert tensors["v"].dtype == np.float64 and tensors["v"].tolist() == f32.astype(float).tolist()


def test_reads_a_file_written_by_the_safetensors_package():
    # tests/fixtures/make_torch_io_reference.py saved it with safetensors.torch.save_file.
    path = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "torch_tutorial_h16.safetensors")
    tensors, _ = st.read(path)
    assert tensors["lstm.weight_ih_l0"].shape == (64, 1)
    assert tensors["forwardCalculation.weight"].shape == (1, 16)


GOOD = _entry()
ZEROS = bytes(16)
HOSTILE = {
    "empty file": (b"", "too short"),
    "seven bytes": (b"\x01" * 7, "too short"),
    "header longer than the file": (_file({"w": GOOD}, ZEROS, n=10_000), "only"),
    "10 MB header": (_file(b"{" + b" " * (10 * 2**20) + b"}"), "headers up to"),
    "2^64-1 header": (_file(b"{}", n=2**64 - 1), "headers up to"),
    "not JSON": (_file(b"{nope}"), "not valid JSON"),
    "not an object": (_file(b"[1, 2]"), "not a JSON object"),
    "not UTF-8": (_file(b"{\xff}"), "not UTF-8"),
    "NaN constant in header": (_file(b'{"__metadata__": {"a": NaN}}'), "not JSON"),
    "deep nesting": (_file(b"{\"a\":" + b"[" * 100_000 + b"]" * 100_000 + b"}"), "nested"),
    "duplicate names": (_file(b'{"w": %s, "w": %s}' % (json.dumps(GOOD).encode(),
                                                       json.dumps(GOOD).encode()), ZEROS), "twice"),
    "integer dtype": (_file({"w": _entry("I64")}, ZEROS), "I64; lstm-gui reads F32 and F64"),
    "half precision": (_file({"w": _entry("F16", (8,))}, ZEROS), "F16"),
    "unknown dtype": (_file({"w": _entry("Q99")}, ZEROS), "unknown dtype"),
    "dtype not a string": (_file({"w": _entry(["F64"])}, ZEROS), "unknown dtype"),
    "extra field": (_file({"w": {**GOOD, "x": 1}}, ZEROS), "exactly dtype"),
    "negative size": (_file({"w": _entry(shape=(-2,))}, ZEROS), "shape"),
    "boolean size": (_file({"w": _entry(shape=(True,))}, ZEROS), "shape"),
    "shape does not match bytes": (_file({"w": _entry(shape=(3,))}, ZEROS), "needs 24 bytes"),
    "huge shape": (_file({"w": _entry(shape=(2**62, 2**62))}, ZEROS), "needs"),
    "offsets reversed": (_file({"w": _entry(begin=16, end=0)}, ZEROS), "begin <= end"),
    "offsets beyond the file": (_file({"w": _entry(begin=8, end=24)}, ZEROS), "ends at byte 24"),
    "offsets after a gap": (_file({"w": _entry(begin=8, end=24)}, bytes(24)), "bytes 0 to 8"),
    "offset past the end": (_file({"w": _entry(begin=0, end=16)}, ZEROS[:8]), "truncated"),
    "overlapping": (_file({"a": _entry(), "b": _entry(begin=8, end=24)}, bytes(24)), "overlap"),
    "a gap": (_file({"a": _entry(begin=0, end=16), "b": _entry(begin=24, end=40)}, bytes(40)),
              "belong to no tensor"),
    "bytes left over": (_file({"w": GOOD}, bytes(24)), "beyond its last tensor"),
    "offsets not numbers": (_file({"w": {**GOOD, "data_offsets": ["0", "16"]}}, ZEROS), "data_offsets"),
    "NaN value": (_file({"w": GOOD}, struct.pack("<2d", 1.0, float("nan"))), "NaN or infinite"),
    "infinite value": (_file({"w": GOOD}, struct.pack("<2d", float("-inf"), 1.0)), "NaN or infinite"),
    "float32 overflowing": (_file({"w": _entry("F32", (2,), 0, 8)}, struct.pack("<2f", 1.0, float("inf"))),
                            "NaN or infinite"),
    "metadata not strings": (_file({"__metadata__": {"a": 1}}), "__metadata__"),
    "a torch.save zip": (b"PK\x03\x04" + bytes(60), "save_file(model.state_dict()"),
    "a raw pickle": (b"\x80\x02" + bytes(60), "never opens"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_bytes_are_refused_with_one_line(name, tmp_path):
    data, words = HOSTILE[name]
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(SafetensorsError) as err:
        st.read(path)
    message = str(err.value)
    assert words in message and "\n" not in message and message.startswith(str(path))
    assert len(message) < 400


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".PT"])
def test_a_pickle_file_is_never_opened_and_the_message_says_how_to_save(tmp_path, suffix):
    path = tmp_path / f"model{suffix}"
    path.write_bytes(b"\x80\x04 any pickle that would run code")
    with pytest.raises(SafetensorsError, match="save_file"):
        st.read(path)


def test_not_regular_files_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    for path, words in ((fifo, "pipe"), (tmp_path, "folder"), ("/dev/zero", "device")):
        with pytest.raises(SafetensorsError, match=words):
            st.read(path)


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.safetensors"
    with open(path, "wb") as fh:
        fh.truncate(st.MAX_BYTES + 1)       # sparse: costs no disk
    with pytest.raises(SafetensorsError, match="at most"):
        st.read(path)


def test_writing_refuses_non_finite_values():
    with pytest.raises(ValueError, match="NaN"):
        st.dumps({"w": np.array([np.nan])})


def test_seeded_mutations_are_refused_or_read_never_crash():
    """Flip, cut and splice bytes of a valid file: every result is a clean read or a ValueError."""
    rng = np.random.default_rng(20261202)
    good = st.dumps({"lstm.weight_ih_l0": rng.normal(size=(8, 1)), "readout.bias": np.ones(1)},
                    {"k": "v"})
    outcomes = {"read": 0, "refused": 0}
    for _ in range(600):
        data = bytearray(good)
        kind = rng.integers(4)
        if kind == 0:
            for _ in range(rng.integers(1, 4)):
                data[rng.integers(len(data))] = rng.integers(256)
        elif kind == 1:
            data = data[:rng.integers(len(data))]
        elif kind == 2:
            at = rng.integers(8, 8 + struct.unpack("<Q", good[:8])[0])
            data[at:at] = bytes(rng.integers(32, 127, rng.integers(1, 9)).astype(np.uint8))
        else:
            data[:8] = struct.pack("<Q", int(rng.integers(0, len(good) * 2)))
        try:
            tensors, _ = st.loads(bytes(data))
        except ValueError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
        else:
            assert all(np.all(np.isfinite(t)) for t in tensors.values())
            outcomes["read"] += 1
    assert outcomes["refused"] > 300 and outcomes["read"] > 10

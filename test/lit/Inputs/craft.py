"""Writes damaged or hostile input files for untrusted-inputs.test.

  craft.py idx PATH BYTES DIM... [--gzip]        an IDX file of unsigned bytes
                                                 claiming DIMs, holding BYTES
  craft.py retag SRC DST KEY VALUE               a copy of the safetensors file
                                                 SRC with metadata KEY = VALUE
                                                 (VALUE is JSON)
  craft.py drop SRC DST NAME...                  a copy of SRC without tensors NAME
  craft.py npy PATH DESCR SHAPE VALUE            a .npy file of SHAPE (as 50,2)
                                                 holding VALUE everywhere
  craft.py csv PATH TEXT                         TEXT, with \\n and \\ufeff decoded
"""
import gzip
import json
import struct
import sys


def idx(path, data, *args):
    dims = [int(a) for a in args if a != "--gzip"]
    data = int(data)
    blob = bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    blob += bytes(data)
    opener = gzip.open if "--gzip" in args else open
    with opener(path, "wb") as f:
        f.write(blob)


def rewrite(source, destination, edit):
    with open(source, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    edit(header)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(destination, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + blob[8 + length:])


def retag(source, destination, key, value):
    rewrite(source, destination,
            lambda header: header["__metadata__"].update({key: json.loads(value)}))


def drop(source, destination, *names):
    rewrite(source, destination,
            lambda header: [header.pop(name) for name in names])


def npy(path, descr, shape, value):
    dims = [int(d) for d in shape.split(",") if d]
    count = 1
    for d in dims:
        count *= d
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s,), }" % (
        descr, ", ".join(map(str, dims)))
    header += " " * (-(len(header) + 11) % 64) + "\n"
    code = {"<i4": "<i", "<i8": "<q", "<f4": "<f", "<f8": "<d"}[descr]
    number = float(value) if "f" in descr else int(value)
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode() + struct.pack(code, number) * count)


def csv(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("\\n", "\n").replace("\\ufeff", "\ufeff"))


if __name__ == "__main__":
    {"idx": idx, "retag": retag, "drop": drop, "npy": npy, "csv": csv}[sys.argv[1]](*sys.argv[2:])

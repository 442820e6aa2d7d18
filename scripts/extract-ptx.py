#!/usr/bin/env python3
"""Prints the PTX of every `gpu.binary` object in MLIR text (stdin or a file).

`gpu-module-to-binary{format=isa}` stores each kernel module's PTX as an MLIR
string attribute, `#gpu.object<#nvvm.target<...>, assembly = "...">`, with non-printable
bytes escaped as `\\XX`. This undoes the escaping so that the PTX can be read,
FileCheck-ed or validated with `ptxas -arch=sm_90`.
Usage: extract-ptx.py [input.mlir] [-o out.ptx | --each DIR]
With several GPU modules, `-o` concatenates them (fine for reading and
FileCheck, not for ptxas); `--each DIR` writes one DIR/<binary name>.ptx
per module.
"""

import argparse
import os
import re
import sys

BINARY = re.compile(r"gpu\.binary @([\w$.]+)")
OBJECT = re.compile(r'#gpu\.object<#nvvm\.target<[^>]*>'
                    r'(?:, properties = \{[^}]*\})?, (?:assembly = )?'
                    r'"((?:[^"\\]|\\.)*)">')


def unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1]
            if nxt in '"\\':
                out += nxt.encode()
                i += 2
                continue
            if nxt == "n":
                out += b"\n"
                i += 2
                continue
            if nxt == "t":
                out += b"\t"
                i += 2
                continue
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
            continue
        out += c.encode()
        i += 1
    return out.decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", default="-")
    parser.add_argument("-o", "--output", default="-")
    parser.add_argument("--each", metavar="DIR",
                        help="write one DIR/<gpu.binary name>.ptx per module")
    args = parser.parse_args()
    text = sys.stdin.read() if args.input == "-" else open(args.input).read()
    objects = []
    for m in OBJECT.finditer(text):
        names = BINARY.findall(text, 0, m.start())
        objects.append((names[-1] if names else f"module{len(objects)}",
                        unescape(m.group(1))))
    if not objects:
        sys.exit("extract-ptx.py: no #gpu.object with an NVVM target found")
    if args.each:
        os.makedirs(args.each, exist_ok=True)
        for name, ptx in objects:
            path = os.path.join(args.each, f"{name}.ptx")
            with open(path, "w") as f:
                f.write(ptx)
            print(path)
        return
    ptx = "\n".join(ptx for _, ptx in objects)
    if args.output == "-":
        sys.stdout.write(ptx)
    else:
        with open(args.output, "w") as f:
            f.write(ptx)


if __name__ == "__main__":
    main()

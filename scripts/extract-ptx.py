#!/usr/bin/env python3
"""Prints the PTX of every `gpu.binary` object in MLIR text (stdin or a file).

`gpu-module-to-binary{format=isa}` stores each kernel module's PTX as an MLIR
string attribute, `#gpu.object<#nvvm.target<...>, assembly = "...">`, with non-printable
bytes escaped as `\\XX`. This undoes the escaping so that the PTX can be read,
FileCheck-ed or validated with `ptxas -arch=sm_90`.
Usage: extract-ptx.py [input.mlir] [-o out.ptx]
"""

import argparse
import re
import sys

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
    args = parser.parse_args()
    text = sys.stdin.read() if args.input == "-" else open(args.input).read()
    objects = [unescape(m.group(1)) for m in OBJECT.finditer(text)]
    if not objects:
        sys.exit("extract-ptx.py: no #gpu.object with an NVVM target found")
    ptx = "\n".join(objects)
    if args.output == "-":
        sys.stdout.write(ptx)
    else:
        with open(args.output, "w") as f:
            f.write(ptx)


if __name__ == "__main__":
    main()

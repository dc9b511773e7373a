#!/usr/bin/env python3
"""Copy small excerpts of ../shared/corpora into fixtures/corpora for tests and the demo.

    python3 scripts/make-fixture-corpora.py [--shared ../shared]

For each category below, the first whole documents of train.txt and sample.txt up to the
byte caps (prose documents end at a blank line; for code, at a blank line too, which may cut
a file between functions). Sources and licences: fixtures/SOURCES.md.
"""
import argparse, os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "corpora")
CATEGORIES = {"languages": ["en", "de", "fr", "es", "ru", "ja"], "code": ["python", "c", "java"]}
CAPS = {"train.txt": 160_000, "sample.txt": 80_000}


def excerpt(path, cap):
    text = open(path, encoding="utf-8", newline="").read()
    documents = text.split("\n\n")
    out, size = [], 0
    for doc in documents:
        piece = doc + "\n\n"
        if size + len(piece.encode()) > cap:
            break
        out.append(piece)
        size += len(piece.encode())
    return "".join(out).rstrip("\n") + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    args = ap.parse_args()
    for family, names in CATEGORIES.items():
        for name in names:
            folder = os.path.join(OUT, family, name)
            os.makedirs(folder, exist_ok=True)
            for half, cap in CAPS.items():
                text = excerpt(os.path.join(args.shared, "corpora", family, name, half), cap)
                with open(os.path.join(folder, half), "w", encoding="utf-8", newline="") as f:
                    f.write(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Encodes every case of llama.cpp's own tokenizer tests (fetched by scripts/fetch-llama-cpp-vocabs)
with toksleuth and prints a table: per vocabulary, cases identical to llama.cpp's ids, or why
the vocabulary is refused.

    swift build -c release && python3 scripts/check-llama-cpp-vocabs.py [FOLDER]
"""
import json, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKSLEUTH = os.path.join(ROOT, ".build", "release", "toksleuth")
folder = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TOKSLEUTH_LLAMA_CPP", os.path.expanduser("~/.cache/toksleuth/llama-cpp"))
if not os.path.isdir(folder):
    sys.exit(f"skipped: {folder} is absent (run scripts/fetch-llama-cpp-vocabs)")
source = open(os.path.join(folder, "SOURCE")).read().strip() if os.path.exists(os.path.join(folder, "SOURCE")) else folder
print(f"llama.cpp test vocabularies from {source}\n")
print("| vocabulary | pretokenizer | cases | identical | result |\n|---|---|---:|---:|---|")
for name in sorted(f for f in os.listdir(folder) if f.endswith(".gguf")):
    path = os.path.join(folder, name)
    inspect = subprocess.run([TOKSLEUTH, "inspect", path, "--json", "--bases", "/nonexistent"], capture_output=True, text=True)
    if inspect.returncode != 0:
        print(f"| {name} | | | | refused: {inspect.stderr.strip().split(': ', 1)[-1]} |")
        continue
    pretokenizer = json.loads(inspect.stdout)["pretokenizer"][:40]
    if not os.path.exists(path + ".inp"):
        print(f"| {name} | {pretokenizer} | 0 | | loads (no test cases) |")
        continue
    cases = open(path + ".inp", encoding="utf-8").read().split("\n__ggml_vocab_test__\n")
    expected = open(path + ".out", encoding="utf-8").read().split("\n")
    same = 0
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, text in enumerate(cases[: len(expected)]):
            case = os.path.join(tmp, "case.txt")
            open(case, "w", encoding="utf-8").write(text)
            out = subprocess.run([TOKSLEUTH, "encode", "--tokenizer", path, "--input", case], capture_output=True, text=True)
            ids = out.stdout.split()
            if ids == expected[index].split():
                same += 1
            else:
                failed.append(index)
    verdict = "all identical" if not failed else f"differ: cases {failed[:8]}{' ...' if len(failed) > 8 else ''}"
    print(f"| {name} | {pretokenizer} | {min(len(cases), len(expected))} | {same} | {verdict} |", flush=True)

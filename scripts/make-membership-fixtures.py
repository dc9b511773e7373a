#!/usr/bin/env python3
"""Fixtures for the membership detectors: scores of real texts by toksleuth's proxy model, and
every method's score computed here, independently, by the published formulas in plain Python
(the Swift test must agree to 1e-9).

Needs a release build (swift build -c release). Writes fixtures/reference/membership/:
  scores.jsonl      40 texts (20 lines of the English fixture's train half = members of the
                    proxy, 20 of its sample half = non-members), tokens/logprobs/mu/sigma/
                    lowercase_logprobs from a 3-gram proxy trained on the train half
  reference.jsonl   the same texts scored by a 3-gram reference model trained on German
  frequency-ids.txt token ids of the reference-frequency corpus, one document per line
  expected.json     per text: loss, zlib, lowercase, ref, min-k, min-k++, dc-pdd
"""
import json, math, os, subprocess, tempfile, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures/reference/membership")
TOOL = os.path.join(ROOT, ".build/release/toksleuth")
TOKENIZER = os.path.join(ROOT, "fixtures/reference/gpt2")
EN = os.path.join(ROOT, "fixtures/corpora/languages/en")
DE = os.path.join(ROOT, "fixtures/corpora/languages/de")
VOCAB = 50257
K = 0.2

def run(*args):
    subprocess.run([TOOL, *args], check=True, stdout=subprocess.DEVNULL)

def lines(path, count):
    out = []
    for line in open(path, encoding="utf-8"):
        if len(line.split()) >= 3:
            out.append(line.rstrip("\n"))
        if len(out) == count:
            break
    return out

os.makedirs(OUT, exist_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    texts = [{"id": f"m{i}", "text": t, "label": 1} for i, t in enumerate(lines(f"{EN}/train.txt", 20))]
    texts += [{"id": f"n{i}", "text": t, "label": 0} for i, t in enumerate(lines(f"{EN}/sample.txt", 20))]
    # One very short text: a single token has no scored position (skipped by every method).
    texts.append({"id": "short", "text": "the", "label": 0})
    with open(f"{tmp}/texts.jsonl", "w") as f:
        for t in texts:
            f.write(json.dumps(t) + "\n")
    run("lm", "train", "--tokenizer", TOKENIZER, "--corpus", f"{EN}/train.txt", "--order", "3", "--output", f"{tmp}/en.tslm")
    run("lm", "train", "--tokenizer", TOKENIZER, "--corpus", f"{DE}/train.txt", "--order", "3", "--output", f"{tmp}/de.tslm")
    run("lm", "score", "--model", f"{tmp}/en.tslm", "--input", f"{tmp}/texts.jsonl", "--output", f"{OUT}/scores.jsonl")
    run("lm", "score", "--model", f"{tmp}/de.tslm", "--input", f"{tmp}/texts.jsonl", "--output", f"{OUT}/reference.jsonl")
    freq_lines = lines(f"{EN}/sample.txt", 300)[40:]
    with open(f"{tmp}/freq.txt", "w") as f:
        f.write("\n".join(freq_lines) + "\n")
    ids = []
    for line in freq_lines:
        out = subprocess.run([TOOL, "encode", "--tokenizer", TOKENIZER], input=line, capture_output=True, text=True, check=True).stdout
        ids.append(out.split())
    with open(f"{OUT}/frequency-ids.txt", "w") as f:
        for row in ids:
            f.write(" ".join(row) + "\n")

scores = [json.loads(l) for l in open(f"{OUT}/scores.jsonl")]
refs = {r["id"]: r for r in (json.loads(l) for l in open(f"{OUT}/reference.jsonl"))}
counts = [0] * VOCAB
total = 0
for row in open(f"{OUT}/frequency-ids.txt"):
    for tok in row.split():
        counts[int(tok)] += 1
        total += 1

def mean(xs):
    return sum(xs) / len(xs)

def min_k(values):
    k_length = max(1, int(len(values) * K))   # the published code: int(len * ratio), here at least 1
    return mean(sorted(values)[:k_length])

expected = {}
for s in scores:
    lp = s["logprobs"][1:]               # tokens 2..N, as the published code
    if not lp:
        continue
    ll = mean(lp)
    r = refs[s["id"]]["logprobs"][1:]
    low = s["lowercase_logprobs"][1:]
    z = [(a - m) / d if d > 0 else 0.0 for a, m, d in zip(s["logprobs"][1:], s["mu"][1:], s["sigma"][1:])]
    seen, alphas = set(), []
    for tok, a in zip(s["tokens"][1:], s["logprobs"][1:]):
        if tok in seen:
            continue
        seen.add(tok)
        f = (counts[tok] + 1) / (total + VOCAB)
        alphas.append(min(math.exp(a) * -math.log(f), 0.01))
    expected[s["id"]] = {
        "loss": ll,
        "zlib": ll / len(zlib.compress(s["text"].encode("utf-8"))),
        "lowercase": mean(low) / min(ll, -1e-12),
        "ref": ll - mean(r),
        "min-k": min_k(lp),
        "min-k++": min_k(z),
        "dc-pdd": mean(alphas),
    }
json.dump({"k": K, "vocabulary_size": VOCAB, "scores": expected}, open(f"{OUT}/expected.json", "w"), indent=1, sort_keys=True)
print(f"{len(expected)} texts with expected scores")

#!/usr/bin/env python3
"""Reference outputs of KenLM's lmplz + query for toksleuth's Kneser-Ney proxy model.

KenLM is not packaged by Debian and pip's `kenlm` installs only the query module, so build
lmplz from the same pip source distribution once (not needed by the tests):

    pip download kenlm==0.3.0 --no-deps --no-binary :all:   # kenlm-0.3.0.tar.gz
    apt-get install -y cmake libboost-program-options-dev libboost-system-dev \
        libboost-thread-dev libboost-test-dev zlib1g-dev
    tar xzf kenlm-0.3.0.tar.gz && cd kenlm-0.3.0 && mkdir build && cd build \
        && cmake .. -DCMAKE_BUILD_TYPE=Release && make -j2 lmplz query

then: KENLM_BIN=.../kenlm-0.3.0/build/bin python3 scripts/make-kenlm-fixtures.py

Words of the English fixture corpus become token ids in order of first appearance, one text
per line. lmplz models an end-of-sentence token, which the Swift test maps to id K (K = the
number of distinct training words) appended to every text; `--vocab_pad` makes lmplz's
uniform distribution cover PAD ids, as toksleuth's model covers a tokenizer's vocabulary.
Held-out words unseen in training map to id K + 1 (KenLM's <unk>).
"""
import json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures/reference/kenlm")
BIN = os.environ.get("KENLM_BIN")
if not BIN:
    sys.exit("set KENLM_BIN to the folder holding lmplz and query (see this script's docstring)")

def lines(path, limit):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if words:
                out.append(words)
            if len(out) >= limit:
                break
    return out

train = lines(os.path.join(ROOT, "fixtures/corpora/languages/en/train.txt"), 100000)
test = lines(os.path.join(ROOT, "fixtures/corpora/languages/en/sample.txt"), 150) + train[:50]
ids = {}
for words in train:
    for w in words:
        ids.setdefault(w, len(ids))
K = len(ids)
PAD = K + 1000  # toksleuth's vocabulary size: ids 0..K-1 words, K end marker, the rest unseen
unk = K + 1

def to_ids(words):
    return [ids.get(w, unk) for w in words]

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "train.ids"), "w") as f:
    for words in train:
        f.write(" ".join(map(str, to_ids(words))) + "\n")
with open(os.path.join(OUT, "test.ids"), "w") as f:
    for words in test:
        f.write(" ".join(map(str, to_ids(words))) + "\n")

result = {"vocabulary_size": PAD, "end_id": K, "orders": {}}
with tempfile.TemporaryDirectory() as tmp:
    def as_words(seq):
        return " ".join("<unk>" if i == unk else f"w{i}" for i in seq)
    train_txt = os.path.join(tmp, "train.txt")
    with open(train_txt, "w") as f:
        for words in train:
            f.write(as_words(to_ids(words)) + "\n")
    test_txt = os.path.join(tmp, "test.txt")
    with open(test_txt, "w") as f:
        for words in test:
            f.write(as_words(to_ids(words)) + "\n")
    for order in (2, 3, 4, 5):
        arpa = os.path.join(tmp, f"o{order}.arpa")
        # lmplz's vocab_size counts <unk> but not <s>; pad so that its uniform is 1/PAD.
        subprocess.run([os.path.join(BIN, "lmplz"), "-o", str(order), "--vocab_pad", str(PAD),
                        "--text", train_txt, "--arpa", arpa, "-S", "20%", "-T", tmp],
                       check=True, stderr=subprocess.DEVNULL)
        out = subprocess.run([os.path.join(BIN, "query"), "-v", "word", arpa],
                             stdin=open(test_txt), capture_output=True, text=True, check=True).stdout
        per_text = []
        # `query -v word` prints every word as "word=id order log10p", tab-separated, all
        # sentences on one line; each sentence ends with </s>.
        pattern = re.compile(r"^(\S+)=\d+ \d+ (-?[0-9.e+-]+)$")
        current = []
        for field in re.split(r"[\t\n]", out):
            match = pattern.match(field)
            if not match:
                continue
            current.append(float(match.group(2)))
            if match.group(1) == "</s>":
                per_text.append(current)
                current = []
        assert len(per_text) == len(test), (len(per_text), len(test))
        result["orders"][str(order)] = {"log10": per_text}
with open(os.path.join(OUT, "query.json"), "w") as f:
    json.dump(result, f)
print(f"K={K} words, PAD={PAD}, {len(train)} training texts, {len(test)} test texts")

#!/usr/bin/env python3
"""Membership detection and the proxy model, timed against KenLM on the same input in one run.

    KENLM_BIN=/path/to/kenlm/build/bin python3 Benchmarks/bench_membership.py [--shared ../shared] [--mb 10]

1. Training an order-4 model on MB megabytes of ../shared/corpora/domains text: `toksleuth lm
   train` (including tokenization with GPT-2) against KenLM's `lmplz -o 4 --vocab_pad 50257`
   on the same GPT-2 token ids (tokenized beforehand, not timed), with the ratio.
2. Scoring 10,000 texts of ~100 tokens: `toksleuth lm score` (log p, mu, sigma and the
   lowercased text, tokenization included) against KenLM's `query` on the same ids (log p only;
   its ARPA/probing load included as ours includes the .tslm load).
3. `toksleuth membership --scores` on the resulting 10,000-line file: every method, 1,000
   bootstrap resamples each, the blind baseline (the issue's budget: under 10 s).

KenLM is built from pip's source distribution (scripts/make-kenlm-fixtures.py says how);
without KENLM_BIN the KenLM columns are skipped with a printed reason.
"""
import argparse, glob, json, os, random, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, ".build", "release", "toksleuth")
GPT2 = os.path.join(ROOT, "fixtures", "reference", "gpt2")


def timed(cmd, **kw):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kw)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--mb", type=float, default=10)
    args = ap.parse_args()
    domains = os.path.join(args.shared, "corpora", "domains")
    if not os.path.isdir(domains):
        print(f"skipped: {domains} is absent (the benchmark needs the shared corpora)")
        return
    subprocess.run(["swift", "build", "-c", "release", "--product", "toksleuth"], cwd=ROOT, check=True, capture_output=True)
    kenlm = os.environ.get("KENLM_BIN")
    if kenlm and not os.path.exists(os.path.join(kenlm, "lmplz")):
        kenlm = None
    try:
        import tiktoken, tiktoken.load
        encoding = tiktoken.Encoding("gpt2", pat_str=r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
                                     mergeable_ranks=tiktoken.load.load_tiktoken_bpe(os.path.join(GPT2, "gpt2.tiktoken")),
                                     special_tokens={})
    except ImportError:
        encoding = None
        if kenlm:
            print("(KenLM columns skipped: pip install tiktoken, to give lmplz the same GPT-2 ids)")
            kenlm = None
    if not kenlm and not os.environ.get("KENLM_BIN"):
        print("(KenLM columns skipped: set KENLM_BIN to a folder with lmplz and query)")

    with tempfile.TemporaryDirectory() as tmp:
        text = b""
        for name in sorted(glob.glob(os.path.join(domains, "*", "*.txt"))):
            text += open(name, "rb").read()
        text = text[: int(args.mb * 1e6)]
        text = text[: text.rfind(b"\n\n") + 1]
        corpus = os.path.join(tmp, "corpus.txt")
        open(corpus, "wb").write(text)
        documents = [d for d in text.decode("utf-8").split("\n\n") if d.strip()]
        mb = len(text) / 1e6

        print(f"## 1. training an order-4 model on {mb:.1f} MB ({len(documents)} documents)")
        ours = timed([TOOL, "lm", "train", "--tokenizer", GPT2, "--corpus", corpus, "--output", os.path.join(tmp, "m.tslm")])
        print("| trainer | wall s | ratio |\n|---|---:|---:|")
        print(f"| toksleuth lm train (tokenizing included) | {ours:.2f} | 1.00 |")
        if kenlm:
            ids_file = os.path.join(tmp, "ids.txt")
            with open(ids_file, "w") as out:
                for document in documents:
                    out.write(" ".join(map(str, encoding.encode_ordinary(document.strip("\n")))) + "\n")
            theirs = timed([os.path.join(kenlm, "lmplz"), "-o", "4", "--vocab_pad", "50257", "-S", "30%", "-T", tmp,
                            "--text", ids_file, "--arpa", os.path.join(tmp, "k.arpa")])
            print(f"| KenLM lmplz (ids given, ARPA written) | {theirs:.2f} | {theirs / ours:.2f} |")

        random.seed(1)
        words = text.decode("utf-8").split()
        texts = os.path.join(tmp, "texts.jsonl")
        with open(texts, "w") as out:
            for index in range(10000):
                start = random.randrange(0, len(words) - 80)
                out.write(json.dumps({"id": index, "text": " ".join(words[start:start + 75]), "label": index % 2}) + "\n")
        print("\n## 2. scoring 10,000 texts of ~100 tokens")
        scores = os.path.join(tmp, "scores.jsonl")
        ours = timed([TOOL, "lm", "score", "--model", os.path.join(tmp, "m.tslm"), "--input", texts, "--output", scores])
        print("| scorer | wall s | ratio |\n|---|---:|---:|")
        print(f"| toksleuth lm score (load, tokenize, log p + mu + sigma + lowercase) | {ours:.2f} | 1.00 |")
        if kenlm:
            query_in = os.path.join(tmp, "query.txt")
            with open(query_in, "w") as out:
                for line in open(texts):
                    out.write(" ".join(map(str, encoding.encode_ordinary(json.loads(line)["text"]))) + "\n")
            start = time.perf_counter()
            with open(query_in) as stdin:
                subprocess.run([os.path.join(kenlm, "query"), "-v", "summary", os.path.join(tmp, "k.arpa")], stdin=stdin,
                               check=True, capture_output=True)
            theirs = time.perf_counter() - start
            print(f"| KenLM query on the ARPA file (ids given, log p only) | {theirs:.2f} | {theirs / ours:.2f} |")

        print("\n## 3. membership --scores on that file (7 methods where inputs exist, 1,000 resamples, blind baseline)")
        seconds = timed([TOOL, "membership", "--scores", scores])
        print(f"{os.path.getsize(scores) / 1e6:.0f} MB, {seconds:.2f} s (budget 10 s)")


if __name__ == "__main__":
    main()

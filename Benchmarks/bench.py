#!/usr/bin/env python3
"""toksleuth against the reference implementations, on the same input in one run.

    python3 Benchmarks/bench.py [--shared ../shared] [--mb 30] [--vocab 30000]

Needs ../shared/corpora (skips with a reason when it is absent) and, for the reference
columns, `pip install tokenizers==0.23.3 tiktoken regex`. Builds toksleuth in release mode.
Prints: training wall time (toksleuth vs HF BpeTrainer, merges compared line by line),
pretokenizer MB/s (hand-written scanner vs ICU regex vs Python `regex`), and encode MB/s
(toksleuth vs tiktoken vs HF tokenizers) with the ratio of each.
"""
import argparse, glob, json, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def build_corpus(shared, megabytes, path):
    files = sorted(glob.glob(os.path.join(shared, "corpora", "languages", "*", "train.txt")))
    files += sorted(glob.glob(os.path.join(shared, "corpora", "code", "*", "train.txt")))
    files += sorted(glob.glob(os.path.join(shared, "corpora", "domains", "*", "train.txt")))
    limit = int(megabytes * 1_000_000)
    written = 0
    with open(path, "wb") as out:
        for name in files:
            data = open(name, "rb").read()
            if written + len(data) > limit:
                data = data[: limit - written]
                data = data[: data.rfind(b"\n") + 1]
            out.write(data)
            written += len(data)
            if written >= limit:
                break
    return written


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--mb", type=float, default=30)
    ap.add_argument("--vocab", type=int, default=30000)
    ap.add_argument("--pretokenizer", default="gpt2-digits")
    args = ap.parse_args()
    if not os.path.isdir(os.path.join(args.shared, "corpora")):
        print(f"skipped: {args.shared}/corpora is absent (the benchmark needs the shared corpora)")
        return
    try:
        import tokenizers
        from tokenizers import Tokenizer, models, pre_tokenizers, trainers, decoders
        import tiktoken, tiktoken.load, regex
    except ImportError as error:
        print(f"skipped: reference packages missing ({error}); pip install tokenizers==0.23.3 tiktoken regex")
        return

    run(["swift", "build", "-c", "release", "--product", "toksleuth"], cwd=ROOT)
    run(["swift", "build", "-c", "release", "--product", "toksleuth-bench"], cwd=ROOT)
    binary = os.path.join(ROOT, ".build", "release", "toksleuth")
    bench = os.path.join(ROOT, ".build", "release", "toksleuth-bench")
    work = tempfile.mkdtemp(prefix="toksleuth-bench-")
    corpus = os.path.join(work, "corpus.txt")
    size = build_corpus(args.shared, args.mb, corpus)
    print(f"corpus: {size / 1e6:.1f} MB of ../shared/corpora train.txt (languages, code, domains); "
          f"vocab {args.vocab}; pretokenizer {args.pretokenizer}; {os.cpu_count()} cores")
    print(f"references: tokenizers {tokenizers.__version__}, tiktoken {tiktoken.__version__}")

    # 1. Training.
    ours_json = os.path.join(work, "ours.json")
    start = time.perf_counter()
    run([binary, "train", "--corpus", corpus, "--vocab-size", str(args.vocab), "--pretokenizer",
         args.pretokenizer, "--output", ours_json, "--quiet"])
    ours_time = time.perf_counter() - start
    pre = {"gpt2": pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
           "gpt2-digits": pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=False),
                                                   pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])}[args.pretokenizer]
    hf = Tokenizer(models.BPE())
    hf.pre_tokenizer = pre
    hf.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=args.vocab, min_frequency=0, special_tokens=[],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    start = time.perf_counter()
    hf.train([corpus], trainer)
    hf_time = time.perf_counter() - start
    hf_json = os.path.join(work, "hf.json")
    hf.save(hf_json)
    ours_merges = run([binary, "merges", ours_json]).stdout.splitlines()
    hf_merges = [" ".join(m) for m in json.loads(hf.to_str())["model"]["merges"]]
    same = ours_merges == hf_merges
    first_diff = next((i for i, (a, b) in enumerate(zip(ours_merges, hf_merges)) if a != b), None)
    print("\n## training")
    print(f"| trainer | wall s | merges |\n|---|---:|---:|")
    print(f"| toksleuth | {ours_time:.2f} | {len(ours_merges)} |")
    print(f"| HF tokenizers BpeTrainer | {hf_time:.2f} | {len(hf_merges)} |")
    print(f"merges identical: {same}" + ("" if same else f" (first difference at line {first_diff})"))
    print(f"ratio toksleuth / HF wall time: {ours_time / hf_time:.3f}")

    # 2. Pretokenizers: English text (1 MB repeated 20 times) and the mixed corpus.
    en = os.path.join(work, "en20.txt")
    with open(en, "wb") as out:
        data = open(os.path.join(args.shared, "corpora", "languages", "en", "train.txt"), "rb").read()
        for _ in range(20):
            out.write(data)
    patterns = {
        "gpt2": r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
        "cl100k": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++\Z|\s*[\r\n]|\s+(?!\S)|\s""",
        "o200k": "|".join([
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""", r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""", r"""\s*[\r\n]+""", r"""\s+(?!\S)""", r"""\s+"""]),
    }
    print("\n## pretokenizers (MB/s)")
    print("| text | pretokenizer | toksleuth scanner | ICU regex | Python regex | scanner / Python |\n|---|---|---:|---:|---:|---:|")
    for label, path in [("English x20", en), ("mixed corpus", corpus)]:
        text = open(path, encoding="utf-8", newline="").read()
        mb = os.path.getsize(path) / 1e6
        for name in ["gpt2", "gpt2-digits", "cl100k", "o200k"]:
            out = run([bench, "pretokenize", path, name]).stdout.split("\n")
            scanner = float(out[0].split()[1])
            icu = float(out[1].split()[1])
            pat = patterns.get(name)
            if pat:
                start = time.perf_counter()
                regex.findall(pat, text)
                python = mb / (time.perf_counter() - start)
                print(f"| {label} | {name} | {scanner:.1f} | {icu:.1f} | {python:.1f} | {scanner / python:.1f}x |")
            else:
                print(f"| {label} | {name} | {scanner:.1f} | {icu:.1f} | - | - |")

    # 3. Encoding the mixed corpus with GPT-2 (ours vs tiktoken r50k_base vs HF).
    gpt2 = os.path.join(args.shared, "tokenizers", "gpt2")
    text = open(corpus, encoding="utf-8", newline="").read()
    mb = size / 1e6
    out = run([bench, "encode", gpt2, corpus]).stdout.split()
    ours_rate, ours_count = float(out[1]), int(out[2])
    ranks = tiktoken.load.load_tiktoken_bpe(os.path.join(gpt2, "gpt2.tiktoken"))
    enc = tiktoken.Encoding("r50k", pat_str=patterns["gpt2"], mergeable_ranks=ranks, special_tokens={})
    start = time.perf_counter()
    tk_ids = enc.encode_ordinary(text)
    tk_rate = mb / (time.perf_counter() - start)
    hf_tok = Tokenizer(models.BPE.from_file(os.path.join(gpt2, "encoder.json"), os.path.join(gpt2, "vocab.bpe")))
    hf_tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    lines = text.splitlines(keepends=True)
    start = time.perf_counter()
    hf_count = sum(len(e.ids) for e in hf_tok.encode_batch(lines, add_special_tokens=False))
    hf_rate = mb / (time.perf_counter() - start)
    print("\n## encoding the mixed corpus with GPT-2 (MB/s, one thread)")
    print("| encoder | MB/s | tokens | toksleuth / this |\n|---|---:|---:|---:|")
    print(f"| toksleuth | {ours_rate:.1f} | {ours_count} | 1.0x |")
    print(f"| tiktoken encode_ordinary | {tk_rate:.1f} | {len(tk_ids)} | {ours_rate / tk_rate:.1f}x |")
    print(f"| HF tokenizers encode_batch (lines, all cores) | {hf_rate:.1f} | {hf_count} | {ours_rate / hf_rate:.1f}x |")
    print(f"token counts equal: {ours_count == len(tk_ids)} (tiktoken); HF per line: {hf_count}")

    # 4. Encoding the same corpus with Mistral's SentencePiece model (ours vs sentencepiece).
    model = os.path.join(args.shared, "tokenizers", "mistral-v1", "tokenizer.model.v1")
    try:
        import sentencepiece
    except ImportError:
        print("\n(SentencePiece encoding skipped: pip install sentencepiece)")
        return
    out = run([bench, "encode", model, corpus]).stdout.split()
    ours_rate, ours_count = float(out[1]), int(out[2])
    sp = sentencepiece.SentencePieceProcessor(model_file=model)
    start = time.perf_counter()
    sp_whole = len(sp.encode(text))
    sp_whole_rate = mb / (time.perf_counter() - start)
    start = time.perf_counter()
    sp_count = sum(len(ids) for ids in sp.encode(lines))
    sp_rate = mb / (time.perf_counter() - start)
    print("\n## encoding the mixed corpus with mistral-v1 (SentencePiece BPE, MB/s, one thread)")
    print("| encoder | MB/s | tokens | toksleuth / this |\n|---|---:|---:|---:|")
    print(f"| toksleuth (whole text) | {ours_rate:.1f} | {ours_count} | 1.0x |")
    print(f"| sentencepiece encode (whole text, same input) | {sp_whole_rate:.1f} | {sp_whole} | {ours_rate / sp_whole_rate:.1f}x |")
    print(f"| sentencepiece encode (one call per line) | {sp_rate:.1f} | {sp_count} | {ours_rate / sp_rate:.1f}x |")
    print(f"token counts equal on the same input: {ours_count == sp_whole} (per line SentencePiece adds a dummy prefix to every line)")


if __name__ == "__main__":
    main()

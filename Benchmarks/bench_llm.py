#!/usr/bin/env python3
"""Scoring texts with a GGUF causal LM: `toksleuth lm score` against llama-cpp-python computing the
same numbers (tokens, log p, mu and sigma over the full vocabulary, flash attention on) on the
same texts, in one run, both on every core, both loading the model inside the timed process.

    scripts/build-llama-cpp && scripts/fetch-smollm2
    CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_APP=OFF" pip install llama-cpp-python==0.3.36 --no-binary llama-cpp-python
    python3 Benchmarks/bench_llm.py [--texts 500] [--tokens 256]

Texts: consecutive slices of about TOKENS tokens of ../shared/corpora/languages/{en,de,fr,es}
/sample.txt (fixtures/corpora when ../shared is absent). Prints tokens per second of each, the
ratio (toksleuth / llama-cpp-python), each process's peak resident memory, and checks that the
two agree (largest |log p| difference).
"""
import argparse, json, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, ".build", "release", "toksleuth")
MODEL = os.path.join(os.environ.get("TOKSLEUTH_MODELS", os.path.expanduser("~/.cache/toksleuth/models")), "SmolLM2-135M-Instruct.Q4_1.gguf")


def run(cmd):
    """Wall seconds and peak RSS (MB) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{process.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def texts(count, tokens):
    shared = os.path.join(ROOT, "..", "shared", "corpora", "languages")
    base = shared if os.path.isdir(shared) else os.path.join(ROOT, "fixtures", "corpora", "languages")
    chars = int(tokens * 3.3)  # about 3.3 characters a token for these languages under SmolLM2's vocabulary
    out = []
    for language in ["en", "de", "fr", "es"]:
        body = " ".join(open(os.path.join(base, language, "sample.txt"), encoding="utf-8").read().split())
        for start in range(0, len(body) - chars, chars):
            out.append({"id": f"{language}-{start}", "text": body[start:start + chars]})
            if len(out) >= count * (["en", "de", "fr", "es"].index(language) + 1) // 4:
                break
    return out[:count]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=500)
    ap.add_argument("--tokens", type=int, default=256)
    args = ap.parse_args()
    for path, how in [(MODEL, "scripts/fetch-smollm2")]:
        if not os.path.exists(path):
            print(f"skipped: {path} is absent ({how})")
            return
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        print("skipped: llama-cpp-python is not installed (see this file's docstring)")
        return
    subprocess.run(["swift", "build", "-c", "release", "--product", "toksleuth"], cwd=ROOT, check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        items = texts(args.texts, args.tokens)
        path = os.path.join(tmp, "texts.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for item in items:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
        ours_out, theirs_out = os.path.join(tmp, "ours.jsonl"), os.path.join(tmp, "theirs.json")
        ours = run([TOOL, "lm", "score", "--model", MODEL, "--texts", path, "--output", ours_out, "--no-lowercase", "--quiet", "--context", "2048"])
        theirs = run([sys.executable, os.path.join(ROOT, "scripts", "llama-cpp-reference.py"), MODEL, path, theirs_out])
        scored = [json.loads(line) for line in open(ours_out)]
        reference = json.load(open(theirs_out))["texts"]
        count = sum(len(t["tokens"]) for t in scored)
        largest = max(abs(a - b) for o, r in zip(scored, reference) for a, b in zip(o["logprobs"], r["logprobs"]) if a is not None and b is not None)
        print(f"{len(items)} texts, {count} tokens ({count / len(items):.0f} per text), SmolLM2-135M-Instruct Q4_1, {os.cpu_count()} cores")
        print(f"{'':22} {'seconds':>8} {'tokens/s':>9} {'peak RSS':>9}")
        print(f"{'toksleuth lm score':22} {ours[0]:8.1f} {count / ours[0]:9.0f} {ours[1]:7.0f}MB")
        print(f"{'llama-cpp-python':22} {theirs[0]:8.1f} {count / theirs[0]:9.0f} {theirs[1]:7.0f}MB")
        print(f"ratio (toksleuth / llama-cpp-python tokens per second): {theirs[0] / ours[0]:.2f}")
        print(f"largest |log p difference|: {largest:.2e}")


if __name__ == "__main__":
    main()

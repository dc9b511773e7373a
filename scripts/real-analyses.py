#!/usr/bin/env python3
"""Infer what each published tokenizer was trained on, against every category of the
corpora pooled together (languages + code + domains), and write the reports.

    swift build -c release
    python3 scripts/real-analyses.py [--shared ../shared] [--only NAME ...] [--report-only] [--fit]
                                     [--merges T] [--from-dir BENCH_SAVE_DIR]

Needs ../shared/tokenizers (the published tokenizers) and corpora laid out like
../shared/corpora (scripts/fetch-corpora rebuilds them). For each tokenizer it runs
`toksleuth infer ... --json`, keeps the JSON in reports/data/<name>.json and writes
reports/<name>.md; then reports/README.md with the comparison table. --report-only rewrites
the Markdown from the saved JSON without running anything. --fit measures the fit quality and
the unexplained share of each saved mixture (`toksleuth infer --mixture`, no LP) and adds them
to the saved JSON. --from-dir takes the results of the same solves from the benchmark's
--save-dir (Benchmarks/bench_lp.py --warm --save-dir DIR) instead of solving them again.
"""
import argparse, json, os, shlex, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
REPORTS = os.path.join(ROOT, "reports")
TOKSLEUTH = os.path.join(ROOT, ".build", "release", "toksleuth")

# name -> (path inside shared/tokenizers, what it is, the paper's published inference or None)
TOKENIZERS = {
    "gpt2": ("gpt2/encoder.json", "GPT-2 (OpenAI, 2019)", "web 83.6, books 15.4, code 0.7"),
    "cl100k_base": ("cl100k_base/cl100k_base.tiktoken", "GPT-3.5 / GPT-4 (tiktoken cl100k_base)", "code 62.6, web 27.3"),
    "o200k_base": ("o200k_base/o200k_base.tiktoken", "GPT-4o (tiktoken o200k_base)", "non-English 39.0, code 32.8"),
    "claude": ("claude/tokenizer.json", "Claude 1/2 (legacy SDK tokenizer)", "code 57.5"),
    "mistral-v1": ("mistral-v1/tokenizer.model.v1", "Mistral 7B v0.1 / Mixtral (SentencePiece BPE)", None),
    "ggml-vocab-llama-spm": ("ggml-vocab-llama-spm/ggml-vocab-llama-spm.gguf", "Llama 2 (SentencePiece via GGUF)", None),
    "ggml-vocab-phi-3": ("ggml-vocab-phi-3/ggml-vocab-phi-3.gguf", "Phi-3 (Llama 2 vocabulary + 64 tokens)", None),
    "ggml-vocab-gpt-2": ("ggml-vocab-gpt-2/ggml-vocab-gpt-2.gguf", "GPT-2 via GGUF (same merges as gpt2)", "web 83.6, books 15.4, code 0.7"),
    "ggml-vocab-qwen2": ("ggml-vocab-qwen2/ggml-vocab-qwen2.gguf", "Qwen2 (GGUF)", None),
    "ggml-vocab-falcon": ("ggml-vocab-falcon/ggml-vocab-falcon.gguf", "Falcon (GGUF)", None),
    "ggml-vocab-starcoder": ("ggml-vocab-starcoder/ggml-vocab-starcoder.gguf", "StarCoder 2 (GGUF)", None),
    "ggml-vocab-deepseek-coder": ("ggml-vocab-deepseek-coder/ggml-vocab-deepseek-coder.gguf", "DeepSeek Coder (GGUF)", None),
    "ggml-vocab-gpt-neox": ("ggml-vocab-gpt-neox/ggml-vocab-gpt-neox.gguf", "GPT-NeoX-20B (GGUF, llama.cpp 'default' pretokenizer)", None),
}
FAMILIES = ["languages", "code", "domains"]
# None: solve every LP to proven optimality (the solver facts carry the certificate); a number
# cuts each solve off after that many seconds, and the reports then say NOT OPTIMAL.
LP_SECONDS = None


def rel(path):
    return os.path.relpath(path, ROOT)


def infer_command(name, shared, corpora, merges=None, lp_seconds=LP_SECONDS):
    path = os.path.join(shared, "tokenizers", TOKENIZERS[name][0])
    command = [TOKSLEUTH, "infer", "--tokenizer", path]
    for family in FAMILIES:
        command += ["--categories", os.path.join(corpora, family)]
    command += ["--json", "--quiet"]
    if lp_seconds:
        command += ["--lp-time-limit", str(lp_seconds)]
    if merges:
        command += ["--merges", str(merges)]
    return command


def save(name, data, command, corpora, wall_seconds):
    data["command"] = " ".join(shlex.quote(rel(c) if os.path.exists(c) else c) for c in command).replace(rel(TOKSLEUTH), "toksleuth")
    data["wall_seconds"] = wall_seconds
    data["families"] = {family: sorted(os.listdir(os.path.join(corpora, family))) for family in FAMILIES}
    with open(os.path.join(REPORTS, "data", name + ".json"), "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    return data


def run(name, shared, corpora, merges=None, lp_seconds=LP_SECONDS):
    command = infer_command(name, shared, corpora, merges, lp_seconds)
    started = time.time()
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{name}: infer failed: {result.stderr.strip()}", file=sys.stderr)
        return None
    return save(name, json.loads(result.stdout), command, corpora, round(time.time() - started, 1))


def adopt(name, directory, shared, corpora, merges=None):
    """Takes the result of the same solve from `directory` (the `--save-dir` of
    Benchmarks/bench_lp.py, which runs this script's infer with `--timings --no-result-cache
    --lp-time-limit`): infer is deterministic, so running it again would give the same estimates.
    Only a proven optimum is taken; its seconds are the solve's own. The command recorded is
    this script's, so the benchmark must have run with the same `--merges` (none: full T)."""
    path = os.path.join(directory, name + ".json")
    if not os.path.exists(path):
        print(f"{name}: no {path}", file=sys.stderr)
        return None
    with open(path) as f:
        data = json.load(f)
    if not data.get("solver", {}).get("optimal"):
        print(f"{name}: {path} is not a proven optimum ({data.get('solver', {}).get('stop_reason')}): not taken", file=sys.stderr)
        return None
    if merges and data.get("merges_used") != merges:
        print(f"{name}: {path} used {data.get('merges_used')} merges, not {merges}: not taken", file=sys.stderr)
        return None
    seconds = data.pop("seconds", {})
    return save(name, data, infer_command(name, shared, corpora, merges), corpora, round(sum(seconds.values()), 1))


def measure_fit(name, shared, corpora, lp_seconds=120):
    """Adds the fit quality of the saved mixture to reports/data/<name>.json."""
    data_path = os.path.join(REPORTS, "data", name + ".json")
    with open(data_path) as f:
        data = json.load(f)
    command = [TOKSLEUTH, "infer", "--tokenizer", os.path.join(shared, "tokenizers", TOKENIZERS[name][0])]
    for family in FAMILIES:
        command += ["--categories", os.path.join(corpora, family)]
    command += ["--merges", str(data["merges_used"]), "--mixture", data_path, "--json", "--quiet", "--lp-time-limit", str(lp_seconds)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{name}: fit failed: {result.stderr.strip()}", file=sys.stderr)
        return
    data["fit"] = json.loads(result.stdout)["fit"]
    data["fit_command"] = " ".join(shlex.quote(rel(c) if os.path.exists(c) else c) for c in command).replace(rel(TOKSLEUTH), "toksleuth")
    with open(data_path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)


def family_totals(data, unit="proportion"):
    """Totals per family in bytes ("proportion") or in the LP's pair units ("weight")."""
    shares = {c["name"]: c.get(unit, 0.0) for c in data["categories"]}
    totals = {}
    for family, names in data["families"].items():
        totals[family] = sum(shares.get(n, 0.0) for n in names)
    totals["English"] = shares.get("en", 0.0)
    totals["non-English languages"] = totals["languages"] - totals["English"]
    return totals


def write_report(name, data):
    path, what, paper = TOKENIZERS[name]
    totals = family_totals(data)
    solver = data.get("solver", {})
    weights = family_totals(data, "weight")
    optimal = solver.get("optimal", solver.get("converged"))
    verdict = (f"The LP was solved to **proven optimality** (objective {solver.get('objective', 0):.6g}, lower bound "
               f"{solver.get('lower_bound') or 0:.6g}, gap {solver.get('gap') or 0:.2g}, largest violation {solver.get('largest_violation', 0):.2g})."
               if optimal else f"**NOT OPTIMAL**: the LP was stopped ({solver.get('stop_reason')}) before optimality was proven.")
    lines = [f"# {name}: {what}", "",
             f"Inferred with toksleuth from the first {data['merges_used']} merges "
             f"({data['merges_missing']} of them occur in no sample and were skipped), against "
             f"{len(data['categories'])} categories pooled from languages, code and domains (1 MB sample each). {verdict}", "",
             "## By family", "", "| family | share of bytes | weight (pair units, the paper's unit) |", "|---|---:|---:|"]
    for key in ["English", "non-English languages", "code", "domains"]:
        lines.append(f"| {key} | {100 * totals[key]:.1f}% | {100 * weights[key]:.1f}% |")
    lines += ["", f"Paper (Hayase et al. 2024, pair units): {paper}." if paper else "Paper: not studied there.", "",
              "## Categories above 0.5%", "", "| category | share of bytes | weight (pair units) |", "|---|---:|---:|"]
    for c in data["categories"]:
        if c["proportion"] >= 0.005:
            lines.append(f"| {c['name']} | {100 * c['proportion']:.2f}% | {100 * c.get('weight', 0):.2f}% |")
    rest = sum(c["proportion"] for c in data["categories"] if c["proportion"] < 0.005)
    lines.append(f"| (the other {sum(1 for c in data['categories'] if c['proportion'] < 0.005)}) | {100 * rest:.2f}% |")
    fit = data.get("fit")
    if fit:
        lines += ["", "## Fit quality", "",
                  f"Mean relative shortfall {fit['mean_shortfall']:.3f} over {fit['steps']} merge steps; "
                  f"**{100 * fit['unexplained_share']:.1f}%** of the steps are merges no category explains "
                  "(the estimated unexplained share). Measured with:", "", "```", data.get("fit_command", data["command"]), "```"]
    lines += ["", "## Solver", ""]
    for key in sorted(solver):
        lines.append(f"- {key}: {solver[key]}")
    lines += [f"- wall time (counts from the cache): {data['wall_seconds']} s", "", "## Command", "", "```", data["command"], "```", ""]
    with open(os.path.join(REPORTS, name + ".md"), "w") as f:
        f.write("\n".join(lines))


def write_summary(results):
    lines = ["# Real analyses", "",
             "What toksleuth infers each published tokenizer in `../shared/tokenizers` was trained on, against all "
             "categories of `../shared/corpora` pooled (32 languages, 18 programming languages, 7 domains; 1 MB "
             "sample each). One file per tokenizer beside this one; raw results in `data/`. Regenerate with "
             "`python3 scripts/real-analyses.py` (then `--fit` for the fit column).", "",
             "![Inferred mixtures by family, side by side](tokenizers/index.svg)", "",
             "The same results as self-contained HTML reports with charts (and Markdown twins): "
             "[`tokenizers/index.html`](tokenizers/index.html) / [`tokenizers/index.md`](tokenizers/index.md), written by "
             "`toksleuth report reports/data/*.json --output-dir reports/tokenizers --index index`. "
             "Every LP here is solved to **proven optimality** (column \"LP\": rounds and the relative gap between the "
             "feasible point and the proven lower bound); the merges used are the first 30,000 of each tokenizer or all a "
             "SentencePiece model has, as in the paper (4-8 minutes a solve on two cores: README, \"Solving the LP\"). "
             "Family shares are given in bytes and, as the paper's table reports them, in pair units (the "
             "LP weights). No bootstrap intervals: a replicate is a whole solve, and B >= 20 for all 13 is about 30 hours "
             "of the development machine (not run). \"unexplained\" is the fraction of merge steps the "
             "inferred mixture leaves short by 0.75 or more (README \"Uncertainty and the unexplained share\").", "",
             "| tokenizer | merges used | English | other languages | code | domains | code (pair units) | domains (pair units) | unexplained | top categories (bytes) | LP | paper (pair units) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for name, data in results.items():
        totals = family_totals(data)
        top = ", ".join(f"{c['name']} {100 * c['proportion']:.0f}" for c in data["categories"][:4])
        paper = TOKENIZERS[name][2] or "—"
        unexplained = f"{100 * data['fit']['unexplained_share']:.1f}" if "fit" in data else "—"
        weights = family_totals(data, "weight")
        solver = data["solver"]
        lp = (f"{solver['rounds']} rounds, optimal, gap {solver.get('gap') or 0:.1g}" if solver.get("optimal", solver.get("converged"))
              else f"{solver['rounds']} rounds, NOT optimal ({solver['stop_reason']})")
        lines.append(f"| [{name}]({name}.md) | {data['merges_used']} | {100 * totals['English']:.1f} | "
                     f"{100 * totals['non-English languages']:.1f} | {100 * totals['code']:.1f} | "
                     f"{100 * totals['domains']:.1f} | {100 * weights['code']:.1f} | {100 * weights['domains']:.1f} | {unexplained} | {top} | {lp} | {paper} |")
    lines += ["", "## Reading this against the paper", "", open(os.path.join(REPORTS, "discussion.md")).read()
              if os.path.exists(os.path.join(REPORTS, "discussion.md")) else "", ""]
    with open(os.path.join(REPORTS, "README.md"), "w") as f:
        f.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--corpora", default=None, help="corpora root (default SHARED/corpora)")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--merges", type=int, help="T (default: 30,000 or all the tokenizer has)")
    parser.add_argument("--lp-seconds", type=int, default=LP_SECONDS, help="cut each LP off after this many seconds (default: solve to optimality)")
    parser.add_argument("--fit", action="store_true", help="measure the fit of the saved mixtures (no LP)")
    parser.add_argument("--from-dir", help="take each result from this directory (Benchmarks/bench_lp.py --save-dir) instead of solving again")
    args = parser.parse_args()
    corpora = args.corpora or os.path.join(args.shared, "corpora")
    os.makedirs(os.path.join(REPORTS, "data"), exist_ok=True)
    names = args.only or list(TOKENIZERS)
    if args.fit:
        for name in names:
            print(f"{name}: fit ...", flush=True)
            measure_fit(name, args.shared, corpora)
    elif not args.report_only:
        if not os.path.isdir(os.path.join(args.shared, "tokenizers")) or not os.path.isdir(corpora):
            print(f"skipped: {args.shared}/tokenizers or {corpora} is missing (scripts/fetch-corpora rebuilds corpora)")
            return 0
        for name in names:
            print(f"{name} ...", flush=True)
            data = (adopt(name, args.from_dir, args.shared, corpora, args.merges) if args.from_dir
                    else run(name, args.shared, corpora, args.merges, args.lp_seconds))
            if data:
                write_report(name, data)
                print(f"  {data['wall_seconds']} s", flush=True)
    results = {}
    for name in TOKENIZERS:
        path = os.path.join(REPORTS, "data", name + ".json")
        if os.path.exists(path):
            with open(path) as f:
                results[name] = json.load(f)
            write_report(name, results[name])
    write_summary(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

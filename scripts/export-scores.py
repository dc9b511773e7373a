#!/usr/bin/env python3
"""Write a toksleuth scores file (JSON Lines) for any causal language model.

    python3 scripts/export-scores.py --model gpt2 --input texts.jsonl --output scores.jsonl
    python3 scripts/export-scores.py --gguf model.gguf --input texts.jsonl --output scores.jsonl

Input: a .jsonl file of {"text": ..., "id"?: ..., "label"?: 1|0} records, or a text file with
one text per line (then --label gives every line's label). Output, one line per text:

    {"id", "text", "label", "tokens", "logprobs", "mu", "sigma", "lowercase_logprobs"}

logprobs[i] = ln p(tokens[i] | tokens[:i]); the first is null unless the model adds a
begin-of-text token (then every token is scored). mu[i] and sigma[i] are the mean and standard
deviation of ln p over the model's full next-token distribution at position i (Min-K%++), and
lowercase_logprobs scores text.lower() (the lowercase ratio). Then:

    toksleuth membership --scores scores.jsonl

Backends (install one; toksleuth's tests never need this script):
  --model NAME_OR_PATH   HF transformers (pip install torch transformers); --device cpu|cuda
  --gguf FILE            llama-cpp-python (pip install llama-cpp-python), logits_all=True
Texts longer than --max-tokens are truncated (the published detectors score a fixed window).
"""
import argparse, json, math, sys


def read_texts(path, label):
    texts = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            if path.endswith(".jsonl"):
                record = json.loads(line)
                texts.append({"id": str(record.get("id", number)), "text": record["text"],
                              "label": record.get("label", label)})
            else:
                texts.append({"id": str(number), "text": line.rstrip("\n"), "label": label})
    return texts


def stats_from_logits(logits_rows, next_ids):
    """log p of each next id and mu/sigma of log p, from rows of raw logits (lists of floats)."""
    logprobs, mus, sigmas = [], [], []
    for row, token in zip(logits_rows, next_ids):
        top = max(row)
        total = sum(math.exp(x - top) for x in row)
        log_z = top + math.log(total)
        lp = [x - log_z for x in row]
        p = [math.exp(v) for v in lp]
        mu = sum(a * b for a, b in zip(p, lp))
        second = sum(a * b * b for a, b in zip(p, lp))
        logprobs.append(lp[token])
        mus.append(mu)
        sigmas.append(math.sqrt(max(second - mu * mu, 0.0)))
    return logprobs, mus, sigmas


class HFScorer:
    def __init__(self, name, device, max_tokens):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(name)
        self.model = AutoModelForCausalLM.from_pretrained(name).to(device).eval()
        self.device = device
        self.max_tokens = max_tokens

    def score(self, text):
        torch = self.torch
        ids = self.tokenizer(text, return_tensors="pt", truncation=True, max_length=self.max_tokens).input_ids.to(self.device)
        with torch.no_grad():
            logits = self.model(ids).logits[0, :-1].float()
        log_probs = torch.log_softmax(logits, dim=-1)
        probs = torch.softmax(logits, dim=-1)
        targets = ids[0, 1:]
        token_lp = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        mu = (probs * log_probs).sum(-1)
        sigma = ((probs * log_probs.square()).sum(-1) - mu.square()).clamp(min=0).sqrt()
        tokens = ids[0].tolist()
        return tokens, [None] + token_lp.tolist(), [None] + mu.tolist(), [None] + sigma.tolist()


class GGUFScorer:
    def __init__(self, path, max_tokens):
        from llama_cpp import Llama
        self.llm = Llama(model_path=path, logits_all=True, n_ctx=max_tokens + 8, verbose=False)
        self.max_tokens = max_tokens

    def score(self, text):
        tokens = self.llm.tokenize(text.encode("utf-8"), add_bos=False)[: self.max_tokens]
        self.llm.reset()
        self.llm.eval(tokens)
        rows = [list(self.llm.scores[i]) for i in range(len(tokens) - 1)]
        lp, mu, sigma = stats_from_logits(rows, tokens[1:])
        return tokens, [None] + lp, [None] + mu, [None] + sigma


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="HF model name or folder (transformers backend)")
    source.add_argument("--gguf", help="GGUF file (llama-cpp-python backend)")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--label", type=int, choices=[0, 1])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--no-lowercase", action="store_true", help="skip lowercase_logprobs (halves the time)")
    args = parser.parse_args()

    scorer = HFScorer(args.model, args.device, args.max_tokens) if args.model else GGUFScorer(args.gguf, args.max_tokens)
    texts = read_texts(args.input, args.label)
    temporary = args.output + ".tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        for number, item in enumerate(texts, 1):
            tokens, logprobs, mu, sigma = scorer.score(item["text"])
            record = {"id": item["id"], "text": item["text"], "tokens": tokens, "logprobs": logprobs, "mu": mu, "sigma": sigma}
            if item["label"] is not None:
                record["label"] = item["label"]
            if not args.no_lowercase:
                record["lowercase_logprobs"] = scorer.score(item["text"].lower())[1]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            print(f"\r{number}/{len(texts)}", end="", file=sys.stderr)
    print(file=sys.stderr)
    import os
    os.replace(temporary, args.output)


if __name__ == "__main__":
    main()

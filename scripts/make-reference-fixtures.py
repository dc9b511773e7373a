#!/usr/bin/env python3
"""Regenerate the reference fixtures that toksleuth's tests compare against.

    python3 scripts/make-reference-fixtures.py [--shared ../shared]

Needs the reference implementations: `pip install tokenizers==0.23.3 tiktoken regex`.
Writes into fixtures/reference/:
  pretokenization/texts.json             the input texts (tricky text, excerpts, random strings)
  pretokenization/<pretokenizer>.json    for each text, its pieces, from the reference:
      gpt2, gpt2-digits: HF tokenizers' pre_tokenize_str (ByteLevel / Sequence[Digits, ByteLevel]),
                         pieces decoded from the byte-level alphabet back to text
      cl100k, o200k:     Python `regex.findall` with tiktoken's own pat_str
  training/en-bytelevel-2000.ids.json    ids HF gives the reference texts with the en-2000 tokenizer
The GPT-2 files and the training references are copied from ../shared (see fixtures/SOURCES.md).
"""
import argparse, json, os, random, shutil, sys

import regex
import tiktoken
import tiktoken_ext.openai_public as openai_public
from tokenizers import Tokenizer, pre_tokenizers

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "reference")

ALPHABET = [" ", " ", " ", "\n", "\r", "\t", "\u000b", "\u0085", "\u00a0", "\u3000", "a", "b", "Z", "s",
            "S", "t", "l", "L", "e", "r", "v", "d", "m", "1", "23", "\u0663", "\u00bd", "'", "'", "\u2019",
            "\u017f", "\u0301", "\u01c5", "\u02b0", "\u4e2d", "\u00e9", "/", ".", "(", "\U0001F600",
            "\U0001F44D\U0001F3FD", "\u200b", "\ufeff", "_", "-", "\u00df", "\u0130", "\u03a9", "\u0903",
            "\u0915", "\r\n"]


def byte_decoder():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def check_with_tiktoken(name, pieces, texts):
    """Confirms the regex pieces with tiktoken itself: with every piece in the vocabulary,
    tiktoken emits each regex piece it finds as one token, so its tokens are its pieces."""
    pat = {"cl100k": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
           "o200k": None}[name]
    vocab = {bytes([b]): b for b in range(256)}
    for plist in pieces.values():
        for piece in plist:
            vocab.setdefault(piece.encode("utf-8"), len(vocab))
    pat_str = {"cl100k": pat, "o200k": O200K_PAT}[name]
    enc = tiktoken.Encoding(f"check-{name}", pat_str=pat_str, mergeable_ranks=vocab, special_tokens={})
    for key, text in texts.items():
        tokens = [enc.decode_single_token_bytes(t).decode("utf-8") for t in enc.encode_ordinary(text)]
        if tokens != pieces[key]:
            sys.exit(f"{name}: tiktoken's pieces differ from the regex translation on {key!r}: {tokens[:20]} vs {pieces[key][:20]}")


O200K_PAT = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""", r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""", r"""\s*[\r\n]+""", r"""\s+(?!\S)""", r"""\s+""",
])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    args = ap.parse_args()
    shared = args.shared
    ref = os.path.join(shared, "tokenizers", "gpt2", "reference")

    # Copies of reference material the tests need (so a clone without ../shared can test).
    gpt2 = os.path.join(FIXTURES, "gpt2")
    for name in ["encoder.json", "vocab.bpe"]:
        shutil.copy(os.path.join(shared, "tokenizers", "gpt2", name), gpt2)
    for text in ["en", "ja", "python", "tricky"]:
        shutil.copy(os.path.join(ref, f"{text}.txt"), gpt2)
        shutil.copy(os.path.join(ref, f"{text}.gpt2.json"), gpt2)
    training = os.path.join(FIXTURES, "training")
    for name in ["en-bytelevel-2000", "python-digits-bytelevel-4000"]:
        for ext in ["merges.txt", "tokenizer.json"]:
            shutil.copy(os.path.join(shared, "reference-training", f"{name}.{ext}"), training)
    shutil.copy(os.path.join(shared, "corpora", "languages", "en", "train.txt"), os.path.join(training, "en-train.txt"))
    shutil.copy(os.path.join(shared, "corpora", "code", "python", "train.txt"), os.path.join(training, "python-train.txt"))

    # Texts for the pretokenizers.
    texts = {}
    for text in ["tricky", "en", "ja", "python"]:
        with open(os.path.join(ref, f"{text}.txt"), encoding="utf-8", newline="") as f:
            texts[text] = f.read()[:6000] if text != "tricky" else f.read()
    for lang in ["hi", "ko", "km", "el", "ru", "vi", "zh-tw", "dz"]:
        with open(os.path.join(shared, "corpora", "languages", lang, "sample.txt"), encoding="utf-8", newline="") as f:
            texts[lang] = f.read()[:3000]
    rng = random.Random(20261123)
    for i in range(400):
        texts[f"random-{i}"] = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 14)))
    out = os.path.join(FIXTURES, "pretokenization")
    with open(os.path.join(out, "texts.json"), "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False, indent=0)

    decoder = byte_decoder()
    def hf_pieces(pre, text):
        return [bytes(decoder[c] for c in piece).decode("utf-8") for piece, _ in pre.pre_tokenize_str(text)]
    hf = {
        "gpt2": pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        "gpt2-digits": pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=False),
                                                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]),
    }
    # tiktoken's own patterns; Rust's `$` matches only at the very end, which is Python's `\Z`.
    cl100k_pat = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""".replace("$", r"\Z")
    llama3_pat = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
    o200k_pat = "|".join([
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""", r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""", r"""\s*[\r\n]+""", r"""\s+(?!\S)""", r"""\s+""",
    ])
    for name, pre in hf.items():
        result = {k: hf_pieces(pre, v) for k, v in texts.items()}
        with open(os.path.join(out, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=0)
    tiktoken_patterns = {"cl100k": openai_public.cl100k_base, "o200k": openai_public.o200k_base}
    for name, pat in [("cl100k", cl100k_pat), ("llama3", llama3_pat), ("o200k", o200k_pat)]:
        result = {k: regex.findall(pat, v) for k, v in texts.items()}
        if name in tiktoken_patterns:
            check_with_tiktoken(name, result, texts)
        with open(os.path.join(out, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=0)

    # HF's ids for the reference texts under the tokenizer trained on en (vocab 2000).
    tok = Tokenizer.from_file(os.path.join(training, "en-bytelevel-2000.tokenizer.json"))
    ids = {}
    for text in ["en", "ja", "python", "tricky"]:
        with open(os.path.join(ref, f"{text}.txt"), encoding="utf-8", newline="") as f:
            ids[text] = tok.encode(f.read(), add_special_tokens=False).ids
    with open(os.path.join(training, "en-bytelevel-2000.ids.json"), "w") as f:
        json.dump(ids, f)
    print("fixtures written to", os.path.normpath(FIXTURES), file=sys.stderr)


if __name__ == "__main__":
    main()

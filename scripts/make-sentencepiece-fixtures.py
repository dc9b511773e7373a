#!/usr/bin/env python3
"""Regenerate the SentencePiece fixtures: small BPE models trained with the real
`sentencepiece`, their conversion to HF `tokenizer.json` (Llama style), and the ids both
reference implementations give the reference texts.

    pip install sentencepiece==0.2.1 tokenizers==0.23.3 protobuf
    python3 scripts/make-sentencepiece-fixtures.py

Writes fixtures/reference/sentencepiece/:
  spm-tiny.model         BPE, vocab 400, English only: small enough to truncate at every length
  spm-bpe.model          BPE, vocab 3000, byte_fallback, split_digits, identity normalizer,
                         remove_extra_whitespaces=false (Mistral's settings)
  spm-bpe-squeeze.model  the same with remove_extra_whitespaces=true (SentencePiece's default)
  hf-prepend.json        spm-bpe.model converted as HF converts Llama's (every split of a
                         piece into two tokens is a merge, ordered by piece score;
                         normalizer Prepend + Replace; byte_fallback)
  hf-metaspace.json      the same vocabulary with a Metaspace pre-tokenizer instead
  <text>.<encoder>.json  ids, for text in tricky/en/ja/python (fixtures/reference/gpt2/*.txt)
"""
import json, os, sys, tempfile

import sentencepiece as spm
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
OUT = os.path.join(ROOT, "fixtures", "reference", "sentencepiece")
TEXTS = ["tricky", "en", "ja", "python"]


def train(name, remove_extra, vocab_size=3000, categories=("languages/en", "languages/de", "languages/ja", "code/python")):
    corpus = []
    for category in categories:
        with open(os.path.join(ROOT, "fixtures", "corpora", category, "train.txt"), encoding="utf-8") as f:
            corpus.append(f.read())
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write("\n".join(corpus))
        path = f.name
    prefix = os.path.join(OUT, name)
    spm.SentencePieceTrainer.train(
        input=path, model_prefix=prefix, model_type="bpe", vocab_size=vocab_size, byte_fallback=True,
        split_digits=True, character_coverage=0.9995, normalization_rule_name="identity",
        remove_extra_whitespaces=remove_extra, allow_whitespace_only_pieces=True,
        max_sentence_length=100000, num_threads=1, minloglevel=2)
    os.unlink(path)
    os.unlink(prefix + ".vocab")
    return prefix + ".model"


def hf_conversion(model_path, metaspace):
    sp = spm.SentencePieceProcessor(model_file=model_path)
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    # Every split of a piece into two vocabulary pieces, ordered by the piece's id (its score
    # order), then by the ids of the parts: HF's SentencePieceExtractor, redundant merges included.
    merges = []
    for piece, pid in vocab.items():
        if sp.is_control(pid) or sp.is_unknown(pid) or sp.is_byte(pid):
            continue
        for k in range(1, len(piece)):
            left, right = piece[:k], piece[k:]
            if left in vocab and right in vocab:
                merges.append((pid, vocab[left], vocab[right], left, right))
    merges.sort()
    document = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": sp.id_to_piece(i), "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True} for i in range(3)],
        "normalizer": None if metaspace else {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"}, {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False} if metaspace else None,
        "post_processor": None,
        "decoder": None,
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": vocab, "merges": [[m[3], m[4]] for m in merges]},
    }
    return document


def main():
    os.makedirs(OUT, exist_ok=True)
    models = {"spm-bpe": train("spm-bpe", False), "spm-bpe-squeeze": train("spm-bpe-squeeze", True)}
    train("spm-tiny", False, vocab_size=400, categories=("languages/en",))  # for corruption tests
    texts = {}
    for name in TEXTS:
        with open(os.path.join(ROOT, "fixtures", "reference", "gpt2", name + ".txt"), encoding="utf-8", newline="") as f:
            texts[name] = f.read()
    texts["spaces"] = "  leading, double  spaces and trailing   \n\n  x  "
    for encoder, path in models.items():
        sp = spm.SentencePieceProcessor(model_file=path)
        for name, text in texts.items():
            with open(os.path.join(OUT, f"{name}.{encoder}.json"), "w") as f:
                json.dump(sp.encode(text), f)
    for encoder, metaspace in [("hf-prepend", False), ("hf-metaspace", True)]:
        path = os.path.join(OUT, encoder + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(hf_conversion(models["spm-bpe"], metaspace), f, ensure_ascii=False, indent=1)
        tok = Tokenizer.from_file(path)
        for name, text in texts.items():
            with open(os.path.join(OUT, f"{name}.{encoder}.json"), "w") as f:
                json.dump(tok.encode(text, add_special_tokens=False).ids, f)
    with open(os.path.join(OUT, "spaces.txt"), "w", encoding="utf-8") as f:
        f.write(texts["spaces"])
    print("wrote", OUT)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""llama.cpp's own log-probabilities of texts, through llama-cpp-python built from the same
sdist toksleuth builds llama.cpp from (0.3.36):

    CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_APP=OFF" pip install llama-cpp-python==0.3.36 --no-binary llama-cpp-python
    python3 scripts/llama-cpp-reference.py MODEL.gguf TEXTS.jsonl OUT.json

llama.cpp's quantised kernels differ between CPU feature sets (AVX2 and AVX-512 give log p up
to 1.2 nats apart), so the output records llama.cpp's feature line ("system") and the test
compares exactly against the reference made on the machine's own line: make one per feature
set (fixtures/reference/llama-cpp/smollm2-q4_1-FEATURES.json).

Flash attention is on, as toksleuth pins it (llama.cpp picks it on the CPU by default; without
it, 0.3.36's results depend on how a pass is split into batches). Each text is tokenized by llama.cpp (no begin-of-text token unless the model adds one, special
tokens not parsed), evaluated in one pass with every position's logits kept, and scored in
float64: logprobs[i] = log softmax(logits[i-1])[token i], mu/sigma the mean and deviation of
log p under that distribution. Writes {"system": ..., "texts": [{id, tokens, logprobs, mu,
sigma}]} (the first entry of each list null when there is no begin-of-text token).
"""
import json, sys, time
import numpy as np
import llama_cpp

def score(llm, text):
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    bos = llm.token_bos() if llm._model.add_bos_token() else None  # what llama.cpp adds
    sequence = ([bos] if bos is not None else []) + tokens
    llm.reset()
    llm.eval(sequence)
    logits = np.asarray(llm.scores[: len(sequence)], dtype=np.float64)
    top = logits.max(axis=1, keepdims=True)
    logsoftmax = logits - (top + np.log(np.exp(logits - top).sum(axis=1, keepdims=True)))
    p = np.exp(logsoftmax)
    mu = (p * logsoftmax).sum(axis=1)
    sigma = np.sqrt(np.maximum((p * logsoftmax**2).sum(axis=1) - mu**2, 0))
    offset = len(sequence) - len(tokens)
    lp = [None] * (1 - offset) + [float(logsoftmax[i - 1, sequence[i]]) for i in range(1, len(sequence))]
    mus = [None] * (1 - offset) + [float(mu[i - 1]) for i in range(1, len(sequence))]
    sigmas = [None] * (1 - offset) + [float(sigma[i - 1]) for i in range(1, len(sequence))]
    return tokens, lp, mus, sigmas

def main():
    model, texts_path, out = sys.argv[1:4]
    texts = [json.loads(line) for line in open(texts_path, encoding="utf-8") if line.strip()]
    llm = llama_cpp.Llama(model_path=model, n_ctx=2048, n_batch=2048, n_threads=2, n_threads_batch=2,
                          logits_all=True, flash_attn=True, verbose=False)
    start = time.time()
    results = []
    for t in texts:
        tokens, lp, mu, sigma = score(llm, t["text"])
        results.append({"id": t["id"], "tokens": tokens, "logprobs": lp, "mu": mu, "sigma": sigma})
    seconds = time.time() - start
    system = llama_cpp.llama_print_system_info().decode()
    json.dump({"source": f"llama-cpp-python {llama_cpp.__version__}", "system": system, "seconds": seconds, "texts": results},
              open(out, "w"), ensure_ascii=False)
    print(f"{len(results)} texts, {sum(len(r['tokens']) for r in results)} tokens in {seconds:.2f} s -> {out}")

if __name__ == "__main__":
    main()

// toksleuth's C shim over llama.cpp's llama.h, compiled by scripts/build-llama-cpp against the
// pinned llama.cpp into libtoksleuth_llama.so. toksleuth loads it at run time (dlopen), so its
// interface is plain C types only: no llama.cpp struct crosses it, and `swift build` never
// needs llama.h.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "llama.h"

typedef struct ts_llama {
    struct llama_model * model;
    struct llama_context * context;
    const struct llama_vocab * vocab;
    int n_vocab;
    int n_ctx;
} ts_llama;

static void quiet(enum ggml_log_level level, const char * text, void * user) {
    (void) user;
    if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static void error(char * out, size_t size, const char * text) {
    if (size > 0) snprintf(out, size, "%s", text);
}

/// Loads a GGUF causal LM for scoring on the CPU with `n_threads` threads and a context of
/// `n_ctx` tokens (0: the model's training context). NULL on failure, with the reason in `err`.
ts_llama * ts_llama_open(const char * path, int n_ctx, int n_threads, char * err, size_t err_size) {
    llama_log_set(quiet, NULL);
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    struct llama_model * model = llama_model_load_from_file(path, mp);
    if (!model) { error(err, err_size, "llama.cpp cannot load it as a model (a vocabulary-only GGUF has no weights)"); return NULL; }
    if (llama_model_has_encoder(model) || !llama_model_has_decoder(model)) {
        llama_model_free(model);
        error(err, err_size, "not a causal (decoder-only) language model");
        return NULL;
    }
    int train = llama_model_n_ctx_train(model);
    if (n_ctx <= 0 || n_ctx > train) n_ctx = train;
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t) n_ctx;
    cp.n_batch = (uint32_t) n_ctx;
    cp.n_ubatch = (uint32_t) (n_ctx < 512 ? n_ctx : 512);
    cp.n_seq_max = 1;
    cp.n_threads = n_threads;
    cp.n_threads_batch = n_threads;
    cp.no_perf = true;
    struct llama_context * context = llama_init_from_model(model, cp);
    if (!context) { llama_model_free(model); error(err, err_size, "llama.cpp cannot create a context for it"); return NULL; }
    ts_llama * h = calloc(1, sizeof *h);
    h->model = model;
    h->context = context;
    h->vocab = llama_model_get_vocab(model);
    h->n_vocab = llama_vocab_n_tokens(h->vocab);
    h->n_ctx = (int) llama_n_ctx(context);
    return h;
}

void ts_llama_close(ts_llama * h) {
    if (!h) return;
    llama_free(h->context);
    llama_model_free(h->model);
    free(h);
}

int ts_llama_n_vocab(const ts_llama * h) { return h->n_vocab; }
int ts_llama_n_ctx(const ts_llama * h) { return h->n_ctx; }
/// The begin-of-text token llama.cpp adds, or -1 when the model adds none.
int ts_llama_bos(const ts_llama * h) { return llama_vocab_get_add_bos(h->vocab) ? llama_vocab_bos(h->vocab) : -1; }

/// llama.cpp's own tokenization of `text` (no special tokens added, none parsed): the count, or
/// minus the count needed when `capacity` is too small.
int ts_llama_tokenize(const ts_llama * h, const char * text, int length, int32_t * out, int capacity) {
    return llama_tokenize(h->vocab, text, length, out, capacity, false, false);
}

/// Runs `tokens[0..<n]` (n <= n_ctx) from an empty context and keeps the logits of positions
/// `first - 1 ..< n - 1`, the ones predicting `tokens[first..<n]`. 0 on success.
static int run(ts_llama * h, const int32_t * tokens, int n, int first) {
    if (n > h->n_ctx || first < 1 || first > n) return -1;
    llama_memory_clear(llama_get_memory(h->context), true);
    struct llama_batch batch = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) {
        batch.token[i] = tokens[i];
        batch.pos[i] = i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = i >= first - 1 && i < n - 1;
    }
    batch.n_tokens = n;
    int status = llama_decode(h->context, batch);
    llama_batch_free(batch);
    return status;
}

/// Scores `tokens[first..<n]` given their prefixes: `logp[k]` is the natural log of
/// p(tokens[first + k] | tokens[..<first + k]); `mu[k]` and `sigma[k]` are the mean and standard
/// deviation of log p under the whole next-token distribution there (Min-K%++), in double
/// precision. 0 on success.
int ts_llama_score(ts_llama * h, const int32_t * tokens, int n, int first, double * logp, double * mu, double * sigma) {
    int status = run(h, tokens, n, first);
    if (status != 0) return status;
    const int V = h->n_vocab;
    for (int i = first; i < n; i++) {
        const float * z = llama_get_logits_ith(h->context, i - 1);
        if (!z) return -2;
        double top = z[0];
        for (int v = 1; v < V; v++) if (z[v] > top) top = z[v];
        double total = 0;
        for (int v = 0; v < V; v++) total += exp((double) z[v] - top);
        const double norm = top + log(total);
        double m = 0, second = 0;
        for (int v = 0; v < V; v++) {
            const double lp = (double) z[v] - norm;
            const double p = exp(lp);
            m += p * lp;
            second += p * lp * lp;
        }
        const double variance = second - m * m;
        logp[i - first] = (double) z[tokens[i]] - norm;
        mu[i - first] = m;
        sigma[i - first] = variance > 0 ? sqrt(variance) : 0;
    }
    return 0;
}

/// The raw logits (float, V per position) predicting `tokens[first..<n]`, for checks. 0 on success.
int ts_llama_logits(ts_llama * h, const int32_t * tokens, int n, int first, float * out) {
    int status = run(h, tokens, n, first);
    if (status != 0) return status;
    for (int i = first; i < n; i++) {
        const float * z = llama_get_logits_ith(h->context, i - 1);
        if (!z) return -2;
        memcpy(out + (size_t) (i - first) * h->n_vocab, z, sizeof(float) * h->n_vocab);
    }
    return 0;
}

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
    int n_threads;
} ts_llama;

// llama.cpp's log stays quiet; its first error line is kept for the one-line error we return.
static char last_error[256];

static void quiet(enum ggml_log_level level, const char * text, void * user) {
    (void) user;
    if (level != GGML_LOG_LEVEL_ERROR || !text[0] || last_error[0]) return;  // the first says why
    snprintf(last_error, sizeof last_error, "%s", text);
    size_t n = strlen(last_error);
    while (n > 0 && (last_error[n - 1] == '\n' || last_error[n - 1] == '\r')) last_error[--n] = 0;
}

static void error(char * out, size_t size, const char * text) {
    if (size > 0) snprintf(out, size, "%s", text);
}

/// Loads a GGUF causal LM for scoring on the CPU with `n_threads` threads and a context of
/// `n_ctx` tokens (0: the model's training context). NULL on failure, with the reason in `err`.
ts_llama * ts_llama_open(const char * path, int n_ctx, int n_threads, char * err, size_t err_size) {
    llama_log_set(quiet, NULL);
    last_error[0] = 0;
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    struct llama_model * model = llama_model_load_from_file(path, mp);
    if (!model) {
        snprintf(err, err_size, "llama.cpp cannot load it as a model (a vocabulary-only GGUF has no weights)%s%s",
                 last_error[0] ? ": " : "", last_error);
        return NULL;
    }
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
    // Flash attention, as llama.cpp picks on the CPU, pinned: its results do not depend on the
    // batch split, while the other path's do.
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
    struct llama_context * context = llama_init_from_model(model, cp);
    if (!context) { llama_model_free(model); error(err, err_size, "llama.cpp cannot create a context for it"); return NULL; }
    ts_llama * h = calloc(1, sizeof *h);
    h->model = model;
    h->context = context;
    h->vocab = llama_model_get_vocab(model);
    h->n_vocab = llama_vocab_n_tokens(h->vocab);
    h->n_threads = n_threads > 0 ? n_threads : 1;
    // llama.cpp may round the context up; one pass must also fit one batch.
    const uint32_t usable = llama_n_ctx(context) < llama_n_batch(context) ? llama_n_ctx(context) : llama_n_batch(context);
    h->n_ctx = (int) usable;
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
    if (n > h->n_ctx || n > (int) llama_n_batch(h->context) || first < 1 || first > n) return -1;
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
    const int count = n - first;
    const float ** rows = malloc(sizeof(float *) * (size_t) (count > 0 ? count : 1));
    for (int k = 0; k < count; k++) {
        rows[k] = llama_get_logits_ith(h->context, first + k - 1);
        if (!rows[k]) { free(rows); return -2; }
    }
    // The positions are independent: spread them over the threads llama.cpp used for the pass.
    #pragma omp parallel num_threads(h->n_threads)
    {
        double * e = malloc(sizeof(double) * (size_t) V);
        #pragma omp for schedule(static)
        for (int k = 0; k < count; k++) {
            const float * z = rows[k];
            double top = z[0];
            for (int v = 1; v < V; v++) if (z[v] > top) top = z[v];
            double total = 0;
            for (int v = 0; v < V; v++) { e[v] = exp((double) z[v] - top); total += e[v]; }
            const double norm = top + log(total);
            double m = 0, second = 0;
            for (int v = 0; v < V; v++) {
                const double lp = (double) z[v] - norm;
                const double p = e[v] / total;
                m += p * lp;
                second += p * lp * lp;
            }
            const double variance = second - m * m;
            logp[k] = (double) z[tokens[first + k]] - norm;
            mu[k] = m;
            sigma[k] = variance > 0 ? sqrt(variance) : 0;
        }
        free(e);
    }
    free(rows);
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

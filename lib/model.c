/*
 * The tutorial's SentimentRNN: the model handle, its options, its parameters by PyTorch
 * name, the LSTM state handle, and forward / loss / backward strung together from the
 * kernels of layers.c and lstm.c. Every parameter lives in ONE contiguous float buffer, in
 * PyTorch's state_dict order, with named views into it; the gradients are a second buffer
 * of the same layout, so an optimizer or a norm is one loop over both.
 *
 * Letters as in kernels.h: V rows, E embedding dim, H hidden dim, G = 4H, L layers,
 * O outputs, B batch, T steps. Activations are time-major (T, B, C).
 *
 * Dropout draws, from the model's own generator (seeded from opts.seed, separately from
 * initialisation), in a training-mode forward only and only for p > 0: first, for each
 * layer l = 0..L-2, one draw per element of that layer's output in (t, b, h) order (with
 * last-token pooling only for the steps t <= each row's last token); then
 * one draw per element of the pooled (B, H) LSTM output in (b, h) order. The tutorial
 * applies its output dropout to all B*T positions but reads only the last; only the pooled
 * position can reach the outputs or the gradients, so only it is drawn for.
 *
 * Workspace: every activation of a forward and the scratch of its backward live in one
 * buffer sized at the first forward for (B, T) and grown only when a later forward needs
 * more, so the training loop allocates nothing.
 */
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kernels.h"

/* ---- types --------------------------------------------------------------------------- */

struct lstmsent_hidden {
    int32_t num_layers, batch, hidden_dim;
    float *h;   // (L, B, H)
    float *c;   // (L, B, H)
};

typedef struct tensor_info {
    char name[32];
    int32_t ndim;
    int64_t shape[2];   // shape[1] = 1 for one dimension
    size_t offset;      // into the parameter (and gradient) buffer, in floats
    size_t numel;
} tensor_info;

typedef struct lstm_view {
    float *w_ih;   // (G, C_l), C_0 = E, C_l = H after
    float *w_hh;   // (G, H)
    float *b_ih;   // (G)
    float *b_hh;   // (G)
} lstm_view;

/* Named views into one flat buffer: the parameters, or the gradients in the same layout. */
typedef struct model_views {
    float *embedding;   // (V, E)
    lstm_view *lstm;    // [L]
    float *fc_w;        // (O, H)
    float *fc_b;        // (O)
} model_views;

typedef struct layer_acts {
    float *inp;      // (T, B, C_l) the layer's input: the layer below's output after dropout;
                     // NULL for layer 0, whose input projection is made per distinct id
    float *gates;    // (T, B, G) activated i, f, g, o
    float *hs;       // (T+1, B, H) hs[0] the incoming h, hs[t+1] = h_t
    float *cs;       // (T+1, B, H) likewise for c
    float *tanh_c;   // (T, B, H)
    float *mask;     // (T, B, H) dropout mask of the output (l < L-1), used when dropout_on
    float *drop;     // (T, B, H) the output after dropout (l < L-1)
    /* Evaluation mode keeps none of the above but cs, and uses (lstmsent__eval_layer): */
    float *xh;       // (B8, C_l + H) x_t | h_{t-1}, B8 = B rounded up to 8
    float *bias;     // (G) b_ih + b_hh
} layer_acts;

/* The activations of the last forward and the scratch of its backward, carved out of
 * one workspace buffer for that forward's (B, T). */
typedef struct activations {
    int32_t B, T;
    int dropout_on;        // the forward was in training mode (masks drawn where p > 0)
    int32_t *ids;          // (B, T) a copy of the forward's ids
    int32_t *pool_t;       // (B) the step pooled for each row
    int32_t U;             // distinct ids in the batch
    int32_t U8;            // the rows of the per-id products: U, or U rounded up to 8
    int32_t *uniq;         // (U) the distinct ids, in order of first appearance in (t, b)
    int32_t *slot;         // (T, B) each position's index into uniq
    float *x0;             // (U, E) the embedding rows of the distinct ids
    float *proj;           // (U, G) forward: b_ih + b_hh + x0 W_ih^T of layer 0;
                           // backward: the gradient of the gates summed per distinct id
    layer_acts *layers;    // [L]
    float *pooled;         // (B, H) last layer's h at pool_t
    float *out_mask;       // (B, H) output dropout mask
    float *fc_drop;        // (B, H) pooled after dropout
    float *fc_in;          // (B, H) the linear layer's input: fc_drop, or pooled without dropout
    float *logits;         // (B, O)
    float *outputs;        // (B, O) sigmoid(logits), or logits itself
    float *probs;          // (B, O) softmax of the loss's input
    float *doutputs;       // (B, O) dL/doutputs, set by the loss
    float *dlogits;        // (B, O) (doutputs itself for the logits head)
    float *dfc_in;         // (B, H)
    float *dgates;         // (T, B, G)
    float *dh_a, *dh_b;    // (T, B, H) gradient w.r.t. a layer's output, ping-pong
    float *dx0;            // (U, E) gradient of the distinct embedding rows
    float *dh_next;        // (B, H)
    float *dc_next;        // (B, H)
    float *wpack;          // (G, H) a layer's W_hh packed for the recurrent product
    /* A training forward's steps (lstmsent__seq_plan): which rows run at each step, and
     * where each lives in the packed (N, C) activations above (N <= T*B). */
    lstmsent__seq_plan seq;
    int32_t *perm;         // (B) the batch row at each position
    int32_t *pos;          // (B) the position of each batch row
    int32_t *prow;         // (B) the packed row of each batch row's pooled step
    int32_t *part;         // (B) the part (thread) each batch row belongs to
    int32_t *pslot;        // (N) each packed row's index into uniq
    float *hprev;          // (T, B, H) backward: each packed row's h_{t-1} (shrinking plans)
    float *eval_gates;     // (B8, G) evaluation: one step's gates
    float *eval_h;         // (B8, H) evaluation: one step's h
    size_t eval_row_steps; // evaluation: row steps run (B8 * T without shared prefixes)
} activations;

struct lstmsent_model {
    lstmsent_model_options opts;
    uint64_t id;
    int training;

    size_t n_tensors;
    tensor_info *tensors;  // [n_tensors] in state_dict order
    size_t num_floats;
    float *params;         // (num_floats)
    float *grads;          // (num_floats), same layout
    model_views p, g;

    lstmsent__rng dropout_rng;
    lstmsent__rng frozen_rng;  // see lstmsent__model_freeze_dropout
    int dropout_frozen;

    float *ws;             // workspace floats
    size_t ws_cap;
    int32_t *iws;          // workspace ints: ids and pool_t
    size_t iws_cap;
    activations a;

    lstmsent__eval_layer *eval_layers;   // [L] lstmsent__lstm_eval's view of the layers
    /* Layer 0's W_ih^T, then every layer's [W_ih | W_hh]^T, packed for the evaluation
     * forward ((E + sum of (C_l + H)) * G floats), kept between forwards: packing 5 MB costs
     * more than classifying one short sentence. Valid while pack_version == params_version; params_version moves whenever
     * the parameters may have changed (set_param, the raw buffer handed out). */
    float *eval_pack;
    uint64_t params_version, pack_version;
    int have_forward;      // a.* holds a successful forward
    int have_loss;         // ... followed by a loss (doutputs valid)

    /* The embedding's gradient is sparse: since the last zero_grad only the rows listed in
     * touched can be nonzero, unless grad_dense says any row may be (set_grad of the
     * embedding, or the raw buffer handed out). zero_grad and clip visit only those rows. */
    int32_t *emb_slot;     // (V) scratch for the distinct ids of a forward: -1 between uses
    uint8_t *emb_marked;   // (V) 1 for a row in touched
    int32_t *touched;      // (V) rows that may hold gradient, in order of first touch
    size_t n_touched;
    int grad_dense;
};

static _Atomic uint64_t next_model_id = 1;

enum { MAX_PARTS = 64 };   // threads an evaluation forward is split over, at most

/* ---- options ------------------------------------------------------------------------- */

void lstmsent_model_options_default(lstmsent_model_options *opts, size_t vocab_size)
{
    if (opts == NULL)
        return;
    memset(opts, 0, sizeof *opts);
    opts->num_embeddings = (int64_t)vocab_size + 1;
    opts->embed_dim = 400;
    opts->hidden_dim = 256;
    opts->num_layers = 2;
    opts->output_size = 5;
    opts->lstm_dropout = 0.5f;
    opts->output_dropout = 0.3f;
    opts->head = LSTMSENT_HEAD_SIGMOID;
    opts->pooling = LSTMSENT_POOL_LAST_STEP;
    opts->padding_idx = -1;
    opts->seed = 0;
    opts->seq_len = 30;
}

static lstmsent_status check_options(const lstmsent_model_options *o)
{
    /* Sizes stay below 2^24 so that every GEMM dimension (4H, E, B*T) fits an int. */
    const int64_t max_dim = 1 << 24;
    if (o->num_embeddings < 1 || o->num_embeddings > INT32_MAX)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "num_embeddings = %lld is not 1..%d",
                              (long long)o->num_embeddings, INT32_MAX);
    if (o->embed_dim < 1 || o->embed_dim > max_dim)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "embed_dim = %d is not 1..%lld",
                              (int)o->embed_dim, (long long)max_dim);
    if (o->hidden_dim < 1 || o->hidden_dim > max_dim)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "hidden_dim = %d is not 1..%lld",
                              (int)o->hidden_dim, (long long)max_dim);
    if (o->num_layers < 1 || o->num_layers > 1000)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "num_layers = %d is not 1..1000",
                              (int)o->num_layers);
    if (o->output_size < 1 || o->output_size > max_dim)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "output_size = %d is not 1..%lld",
                              (int)o->output_size, (long long)max_dim);
    if (!(o->lstm_dropout >= 0.0f && o->lstm_dropout <= 1.0f))
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "lstm_dropout = %g is not in [0, 1]",
                              (double)o->lstm_dropout);
    if (!(o->output_dropout >= 0.0f && o->output_dropout <= 1.0f))
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "output_dropout = %g is not in [0, 1]",
                              (double)o->output_dropout);
    if (o->head != LSTMSENT_HEAD_SIGMOID && o->head != LSTMSENT_HEAD_LOGITS)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "head = %d is not a lstmsent_head",
                              (int)o->head);
    if (o->pooling != LSTMSENT_POOL_LAST_STEP && o->pooling != LSTMSENT_POOL_LAST_TOKEN)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "pooling = %d is not a lstmsent_pooling",
                              (int)o->pooling);
    if (o->padding_idx < -1 || o->padding_idx >= o->num_embeddings)
        return lstmsent__fail(LSTMSENT_ERR_INVALID,
                              "padding_idx = %lld is neither -1 nor a row 0..%lld",
                              (long long)o->padding_idx, (long long)o->num_embeddings - 1);
    if (o->seq_len < 1 || o->seq_len > LSTMSENT__MAX_SEQ_LEN)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "seq_len = %d is not 1..%d",
                              (int)o->seq_len, LSTMSENT__MAX_SEQ_LEN);
    return LSTMSENT_OK;
}

/* ---- parameters: names, layout, views, initialisation -------------------------------- */

static void add_tensor(lstmsent_model *m, const char *name, int64_t rows, int64_t cols,
                       int ndim)
{
    tensor_info *t = &m->tensors[m->n_tensors++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim;
    t->shape[0] = rows;
    t->shape[1] = cols;
    t->numel = (size_t)rows * (size_t)cols;
    t->offset = m->num_floats;
    m->num_floats += t->numel;
}

/* The state_dict of SentimentRNN, in its order. Sizes were bounded by check_options, so
 * nothing here overflows (at most 2^31 * 2^24 floats for the embedding). */
static void build_tensors(lstmsent_model *m)
{
    const lstmsent_model_options *o = &m->opts;
    const int64_t G = 4 * (int64_t)o->hidden_dim;
    char name[32];
    add_tensor(m, "embedding.weight", o->num_embeddings, o->embed_dim, 2);
    for (int l = 0; l < o->num_layers; l++) {
        int64_t in = l == 0 ? o->embed_dim : o->hidden_dim;
        snprintf(name, sizeof name, "lstm.weight_ih_l%d", l);
        add_tensor(m, name, G, in, 2);
        snprintf(name, sizeof name, "lstm.weight_hh_l%d", l);
        add_tensor(m, name, G, o->hidden_dim, 2);
        snprintf(name, sizeof name, "lstm.bias_ih_l%d", l);
        add_tensor(m, name, G, 1, 1);
        snprintf(name, sizeof name, "lstm.bias_hh_l%d", l);
        add_tensor(m, name, G, 1, 1);
    }
    add_tensor(m, "fc.weight", o->output_size, o->hidden_dim, 2);
    add_tensor(m, "fc.bias", o->output_size, 1, 1);
}

static void set_views(model_views *v, float *base, const lstmsent_model *m)
{
    size_t k = 0;
    v->embedding = base + m->tensors[k++].offset;
    for (int l = 0; l < m->opts.num_layers; l++) {
        v->lstm[l].w_ih = base + m->tensors[k++].offset;
        v->lstm[l].w_hh = base + m->tensors[k++].offset;
        v->lstm[l].b_ih = base + m->tensors[k++].offset;
        v->lstm[l].b_hh = base + m->tensors[k++].offset;
    }
    v->fc_w = base + m->tensors[k++].offset;
    v->fc_b = base + m->tensors[k++].offset;
}

static void fill_uniform(float *w, size_t n, double bound, lstmsent__rng *rng)
{
    for (size_t i = 0; i < n; i++)
        w[i] = (float)((2.0 * lstmsent__rng_double(rng) - 1.0) * bound);
}

/* PyTorch's distributions (not its numbers: the generators differ), drawn in state_dict
 * order from one generator seeded with opts.seed: nn.Embedding N(0, 1); nn.LSTM
 * U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias; nn.Linear's kaiming_uniform(a =
 * sqrt(5)) weight and its bias, both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = H. */
static void init_params(lstmsent_model *m)
{
    const lstmsent_model_options *o = &m->opts;
    lstmsent__rng rng;
    lstmsent__rng_seed(&rng, o->seed);
    const tensor_info *emb = &m->tensors[0];
    for (size_t i = 0; i < emb->numel; i++)
        m->params[i] = (float)lstmsent__rng_normal(&rng);
    if (o->padding_idx >= 0)
        memset(m->p.embedding + (size_t)o->padding_idx * o->embed_dim, 0,
               (size_t)o->embed_dim * sizeof(float));
    double bound = 1.0 / sqrt((double)o->hidden_dim);
    for (size_t k = 1; k < m->n_tensors; k++)
        fill_uniform(m->params + m->tensors[k].offset, m->tensors[k].numel, bound, &rng);
}

/* ---- create, free, options, mode ----------------------------------------------------- */

void lstmsent_model_free(lstmsent_model *model)
{
    if (model == NULL)
        return;
    free(model->tensors);
    free(model->p.lstm);
    free(model->g.lstm);
    free(model->a.layers);
    free(model->eval_layers);
    lstmsent__free_aligned(model->params);
    lstmsent__free_aligned(model->grads);
    lstmsent__free_aligned(model->ws);
    lstmsent__free_aligned(model->eval_pack);
    free(model->iws);
    free(model->emb_slot);
    free(model->emb_marked);
    free(model->touched);
    free(model);
}

lstmsent_status lstmsent_model_create(lstmsent_model **out, const lstmsent_model_options *opts)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    *out = NULL;
    LSTMSENT__CHECK_NULL(opts);
    lstmsent_status st = check_options(opts);
    if (st != LSTMSENT_OK)
        return st;

    lstmsent_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "model: out of memory");
    m->opts = *opts;
    size_t L = (size_t)opts->num_layers;
    m->tensors = lstmsent__calloc_array(1 + 4 * L + 2, sizeof *m->tensors);
    m->p.lstm = lstmsent__calloc_array(L, sizeof *m->p.lstm);
    m->g.lstm = lstmsent__calloc_array(L, sizeof *m->g.lstm);
    m->a.layers = lstmsent__calloc_array(L, sizeof *m->a.layers);
    m->eval_layers = lstmsent__calloc_array(L, sizeof *m->eval_layers);
    if (m->tensors == NULL || m->p.lstm == NULL || m->g.lstm == NULL || m->a.layers == NULL ||
        m->eval_layers == NULL)
        goto nomem;
    build_tensors(m);
    m->params = lstmsent__alloc_floats(m->num_floats);
    m->grads = lstmsent__alloc_floats(m->num_floats);
    size_t V = (size_t)opts->num_embeddings;
    m->emb_slot = lstmsent__alloc_array(V, sizeof *m->emb_slot);
    m->emb_marked = lstmsent__calloc_array(V, sizeof *m->emb_marked);
    m->touched = lstmsent__alloc_array(V, sizeof *m->touched);
    if (m->params == NULL || m->grads == NULL || m->emb_slot == NULL || m->emb_marked == NULL ||
        m->touched == NULL)
        goto nomem;
    for (size_t i = 0; i < V; i++)
        m->emb_slot[i] = -1;
    set_views(&m->p, m->params, m);
    set_views(&m->g, m->grads, m);
    init_params(m);

    /* Its own stream, so that dropout does not depend on how many floats init drew. */
    lstmsent__rng_seed(&m->dropout_rng, opts->seed ^ 0x6c73746d64726f70ULL);
    m->id = atomic_fetch_add(&next_model_id, 1);
    m->params_version = 1;   // the evaluation pack (version 0) is to be made
    m->training = 1;
    *out = m;
    return LSTMSENT_OK;

nomem:
    lstmsent_model_free(m);
    return lstmsent__fail(LSTMSENT_ERR_NOMEM, "model: out of memory for its parameters");
}

lstmsent_status lstmsent_model_get_options(const lstmsent_model *model,
                                           lstmsent_model_options *opts)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(opts);
    *opts = model->opts;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_model_set_training(lstmsent_model *model, int training)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    model->training = training != 0;
    return LSTMSENT_OK;
}

int lstmsent_model_is_training(const lstmsent_model *model)
{
    return model != NULL && model->training;
}

/* ---- internal accessors (internal.h) ------------------------------------------------- */

float *lstmsent__model_params(lstmsent_model *m, size_t *n)
{
    if (n != NULL)
        *n = m->num_floats;
    m->params_version++;   // the caller may write: the evaluation pack is stale
    return m->params;
}

float *lstmsent__model_grads(lstmsent_model *m, size_t *n)
{
    /* The caller may write any row: the embedding's gradient is no longer known sparse. */
    m->grad_dense = 1;
    if (n != NULL)
        *n = m->num_floats;
    return m->grads;
}

const float *lstmsent__model_grads_read(const lstmsent_model *m, size_t *n)
{
    if (n != NULL)
        *n = m->num_floats;
    return m->grads;
}

uint64_t lstmsent__model_id(const lstmsent_model *m)
{
    return m->id;
}

void lstmsent__model_freeze_dropout(lstmsent_model *m, int on)
{
    m->dropout_frozen = on != 0;
    if (m->dropout_frozen)
        m->frozen_rng = m->dropout_rng;
}

const float *lstmsent__model_dropout_mask(const lstmsent_model *m, int32_t which, size_t *n)
{
    const activations *a = &m->a;
    const int32_t L = m->opts.num_layers;
    if (!m->have_forward || !a->dropout_on || which < 0 || which >= L)
        return NULL;
    size_t BH = (size_t)a->B * m->opts.hidden_dim;
    if (which == L - 1) {
        if (m->opts.output_dropout <= 0.0f)
            return NULL;
        if (n != NULL)
            *n = BH;
        return a->out_mask;
    }
    if (m->opts.lstm_dropout <= 0.0f)
        return NULL;
    if (n != NULL)
        *n = (size_t)a->seq.off[a->seq.T] * m->opts.hidden_dim;
    return a->layers[which].mask;
}

int64_t lstmsent__model_packed_row(const lstmsent_model *m, int32_t t, int32_t b)
{
    const activations *a = &m->a;
    const lstmsent__seq_plan *pl = &a->seq;
    if (!m->have_forward || !a->dropout_on || b < 0 || b >= a->B || t < 0 || t >= pl->T)
        return -1;
    int p = 0;
    while (a->pos[b] >= pl->base[p + 1])
        p++;
    int32_t r = a->pos[b] - pl->base[p];
    return r < pl->cnt[(size_t)t * pl->parts + p] ? pl->at[(size_t)t * pl->parts + p] + r : -1;
}

/* ---- hidden state -------------------------------------------------------------------- */

lstmsent_status lstmsent_hidden_create(lstmsent_hidden **out, int32_t num_layers,
                                       int32_t batch, int32_t hidden_dim)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    *out = NULL;
    if (num_layers < 1 || batch < 1 || hidden_dim < 1)
        return lstmsent__fail(LSTMSENT_ERR_INVALID,
                              "hidden state (%d, %d, %d): every size must be >= 1",
                              (int)num_layers, (int)batch, (int)hidden_dim);
    size_t n;
    if (!lstmsent__mul_size((size_t)num_layers * (size_t)batch, (size_t)hidden_dim, &n))
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "hidden state: size overflows");
    lstmsent_hidden *h = calloc(1, sizeof *h);
    if (h == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "hidden state: out of memory");
    h->num_layers = num_layers;
    h->batch = batch;
    h->hidden_dim = hidden_dim;
    h->h = lstmsent__alloc_floats(n);
    h->c = lstmsent__alloc_floats(n);
    if (h->h == NULL || h->c == NULL) {
        lstmsent_hidden_free(h);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "hidden state: out of memory for %zu floats",
                              2 * n);
    }
    *out = h;
    return LSTMSENT_OK;
}

void lstmsent_hidden_free(lstmsent_hidden *hidden)
{
    if (hidden == NULL)
        return;
    lstmsent__free_aligned(hidden->h);
    lstmsent__free_aligned(hidden->c);
    free(hidden);
}

lstmsent_status lstmsent_hidden_zero(lstmsent_hidden *hidden)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(hidden);
    size_t n = (size_t)hidden->num_layers * (size_t)hidden->batch * (size_t)hidden->hidden_dim;
    memset(hidden->h, 0, n * sizeof(float));
    memset(hidden->c, 0, n * sizeof(float));
    return LSTMSENT_OK;
}

int32_t lstmsent_hidden_num_layers(const lstmsent_hidden *hidden)
{
    return hidden == NULL ? 0 : hidden->num_layers;
}

int32_t lstmsent_hidden_batch(const lstmsent_hidden *hidden)
{
    return hidden == NULL ? 0 : hidden->batch;
}

int32_t lstmsent_hidden_dim(const lstmsent_hidden *hidden)
{
    return hidden == NULL ? 0 : hidden->hidden_dim;
}

float *lstmsent_hidden_h(lstmsent_hidden *hidden)
{
    return hidden == NULL ? NULL : hidden->h;
}

float *lstmsent_hidden_c(lstmsent_hidden *hidden)
{
    return hidden == NULL ? NULL : hidden->c;
}

lstmsent_status lstmsent_model_init_hidden(const lstmsent_model *model, int32_t batch,
                                           lstmsent_hidden **out)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    *out = NULL;
    LSTMSENT__CHECK_NULL(model);
    return lstmsent_hidden_create(out, model->opts.num_layers, batch, model->opts.hidden_dim);
}

/* ---- workspace ----------------------------------------------------------------------- */

/* Hands out consecutive pieces of a buffer, each 64-byte aligned; with base NULL it only
 * counts, so the same code sizes the workspace and carves it. */
typedef struct carver {
    float *base;
    size_t used;
    int overflow;
} carver;

static float *carve(carver *cv, size_t a, size_t b, size_t c)
{
    size_t n, bytes;
    if (!lstmsent__mul_size(a, b, &n) || !lstmsent__mul_size(n, c, &n) ||
        n > SIZE_MAX / 8 - cv->used || !lstmsent__mul_size(n, sizeof(float), &bytes)) {
        cv->overflow = 1;
        return NULL;
    }
    float *p = cv->base != NULL ? cv->base + cv->used : NULL;
    cv->used += (n + 15) / 16 * 16;
    return p;
}

/* The activations and scratch of a (B, T) forward, laid out in cv. a->layers may be
 * NULL when only counting. An evaluation-mode forward (training 0) keeps nothing for a
 * backward and nothing of size T beyond the per-id projections: each layer's running
 * [x_t | h_{t-1}] and c, one step's gates, and the packed weights (lstmsent__lstm_eval). */
static void layout(const lstmsent_model *m, activations *a, carver *cv, int32_t B, int32_t T,
                   int training)
{
    const lstmsent_model_options *o = &m->opts;
    const size_t H = (size_t)o->hidden_dim, E = (size_t)o->embed_dim, G = 4 * H;
    const size_t O = (size_t)o->output_size, Bs = (size_t)B, Ts = (size_t)T;
    const size_t B8 = (Bs + 7) / 8 * 8;
    const int32_t L = o->num_layers;
    a->B = B;
    a->T = T;
    a->x0 = carve(cv, Ts * Bs + 8, E, 1);     // U rounded up to 8 (see forward)
    a->proj = carve(cv, Ts * Bs + 8, G, 1);
    a->eval_gates = training ? NULL : carve(cv, B8, G, 1);
    a->eval_h = training ? NULL : carve(cv, B8, H, 1);
    for (int32_t l = 0; l < L; l++) {
        layer_acts scratch;
        layer_acts *la = a->layers != NULL ? &a->layers[l] : &scratch;
        const size_t K = (l == 0 ? 0 : H) + H;
        /* Training: N <= T*B packed rows, and 8 more for the large products' rounding. */
        la->gates = training ? carve(cv, Ts * Bs + 8, G, 1) : NULL;
        la->hs = training ? carve(cv, (Ts + 1) * Bs + 8, H, 1) : NULL;
        la->cs = training ? carve(cv, (Ts + 1) * Bs + 8, H, 1) : carve(cv, B8, H, 1);
        la->tanh_c = training ? carve(cv, Ts, Bs, H) : NULL;
        la->mask = training && l < L - 1 ? carve(cv, Ts * Bs + 8, H, 1) : NULL;
        la->drop = training && l < L - 1 ? carve(cv, Ts * Bs + 8, H, 1) : NULL;
        la->xh = training ? NULL : carve(cv, B8, K, 1);
        la->bias = training ? NULL : carve(cv, G, 1, 1);
    }
    a->pooled = carve(cv, Bs, H, 1);
    a->out_mask = carve(cv, Bs, H, 1);
    a->fc_drop = carve(cv, Bs, H, 1);
    a->fc_in = a->pooled;
    a->logits = carve(cv, Bs, O, 1);
    a->outputs = o->head == LSTMSENT_HEAD_SIGMOID ? carve(cv, Bs, O, 1) : a->logits;
    a->probs = carve(cv, Bs, O, 1);
    a->doutputs = carve(cv, Bs, O, 1);
    a->dlogits = o->head == LSTMSENT_HEAD_SIGMOID ? carve(cv, Bs, O, 1) : a->doutputs;
    a->dfc_in = carve(cv, Bs, H, 1);
    a->dgates = training ? carve(cv, Ts * Bs + 8, G, 1) : NULL;
    a->dh_a = training ? carve(cv, Ts * Bs + 8, H, 1) : NULL;
    a->dh_b = training ? carve(cv, Ts * Bs + 8, H, 1) : NULL;
    a->dx0 = training ? carve(cv, Ts * Bs + 8, E, 1) : NULL;
    a->dh_next = carve(cv, Bs, H, 1);
    a->dc_next = carve(cv, Bs, H, 1);
    a->wpack = training ? carve(cv, G, H, 1) : NULL;
    a->hprev = training && o->pooling == LSTMSENT_POOL_LAST_TOKEN ? carve(cv, Ts * Bs + 8, H, 1)
                                                                  : NULL;
}

/* The ints of an evaluation plan (plan_eval) for a (B, T) batch. */
static size_t plan_ints(int32_t B, int32_t T)
{
    const size_t B8 = ((size_t)B + 7) / 8 * 8;
    return 8 * B8 + B8 / 8 + (MAX_PARTS + 1) + (size_t)T + 1;
}

/* The ints of a training forward's plan (plan_train) for a (B, T) batch. */
static size_t train_plan_ints(int32_t B, int32_t T)
{
    return 5 * (size_t)B + (MAX_PARTS + 1) + ((size_t)T + 1) + 2 * (size_t)T * MAX_PARTS +
           ((size_t)T + 2 + MAX_PARTS) + (size_t)T * B;
}

/* Make the workspace large enough for a (B, T) forward. On failure the old workspace, and
 * so the last forward's activations, stay as they were. */
static lstmsent_status reserve_workspace(lstmsent_model *m, int32_t B, int32_t T)
{
    if (!m->training && m->eval_pack == NULL) {
        const size_t H = (size_t)m->opts.hidden_dim, L = (size_t)m->opts.num_layers;
        const size_t E = (size_t)m->opts.embed_dim;
        // layer 0's W_ih^T (E, G), then each layer's [W_ih | W_hh]^T ((C_l + H), G)
        m->eval_pack = lstmsent__alloc_floats((E + (2 * L - 1) * H) * 4 * H);
        if (m->eval_pack == NULL)
            return lstmsent__fail(LSTMSENT_ERR_NOMEM, "forward: out of memory for the packed "
                                  "weights");
        m->pack_version = 0;
    }
    activations probe = {0};      // counting only: the live activations stay as they are
    carver cv = {NULL, 0, 0};
    layout(m, &probe, &cv, B, T, m->training);
    // ids, pool_t, uniq, slot, then the evaluation plan (B*T <= INT_MAX was checked)
    size_t ints = 3 * (size_t)B * (size_t)T + (size_t)B + plan_ints(B, T) +
                  train_plan_ints(B, T);
    if (cv.overflow)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "forward: workspace for B = %d, T = %d "
                              "overflows", (int)B, (int)T);
    if (cv.used > m->ws_cap) {
        float *ws = lstmsent__alloc_floats(cv.used);
        if (ws == NULL)
            return lstmsent__fail(LSTMSENT_ERR_NOMEM, "forward: out of memory for a workspace "
                                  "of %zu floats", cv.used);
        int32_t *iws = ints > m->iws_cap ? lstmsent__alloc_array(ints, sizeof *iws) : NULL;
        if (ints > m->iws_cap && iws == NULL) {
            lstmsent__free_aligned(ws);
            return lstmsent__fail(LSTMSENT_ERR_NOMEM, "forward: out of memory");
        }
        /* The old activations go with the old buffer. */
        lstmsent__free_aligned(m->ws);
        m->ws = ws;
        m->ws_cap = cv.used;
        if (iws != NULL) {
            free(m->iws);
            m->iws = iws;
            m->iws_cap = ints;
        }
        m->have_forward = 0;
        m->have_loss = 0;
    } else if (ints > m->iws_cap) {
        int32_t *iws = lstmsent__alloc_array(ints, sizeof *iws);
        if (iws == NULL)
            return lstmsent__fail(LSTMSENT_ERR_NOMEM, "forward: out of memory");
        free(m->iws);
        m->iws = iws;
        m->iws_cap = ints;
        m->have_forward = 0;
        m->have_loss = 0;
    }
    return LSTMSENT_OK;
}

/* ---- forward ------------------------------------------------------------------------- */

static lstmsent_status check_hidden(const lstmsent_model *m, const lstmsent_hidden *h,
                                    int32_t B, const char *which)
{
    if (h == NULL)
        return LSTMSENT_OK;
    if (h->num_layers != m->opts.num_layers || h->batch != B ||
        h->hidden_dim != m->opts.hidden_dim)
        return lstmsent__fail(LSTMSENT_ERR_SHAPE,
                              "forward: %s is (%d, %d, %d), the model needs (%d, %d, %d)",
                              which, (int)h->num_layers, (int)h->batch, (int)h->hidden_dim,
                              (int)m->opts.num_layers, (int)B, (int)m->opts.hidden_dim);
    return LSTMSENT_OK;
}

/* Everything forward can reject, checked before anything changes. */
static lstmsent_status check_forward(const lstmsent_model *m, const int32_t *ids, int32_t B,
                                     int32_t T, const int32_t *lengths,
                                     const lstmsent_hidden *hidden_in, size_t outputs_cap,
                                     const lstmsent_hidden *hidden_out)
{
    const lstmsent_model_options *o = &m->opts;
    if (B < 1 || T < 1)
        return lstmsent__fail(LSTMSENT_ERR_INVALID,
                              "forward: batch = %d and seq_len = %d must both be >= 1", (int)B,
                              (int)T);
    if ((int64_t)B * T > INT_MAX)
        return lstmsent__fail(LSTMSENT_ERR_INVALID,
                              "forward: batch * seq_len = %lld is more than %d",
                              (long long)B * T, INT_MAX);
    size_t need = (size_t)B * (size_t)o->output_size;
    if (outputs_cap < need)
        return lstmsent__fail(LSTMSENT_ERR_BUFFER,
                              "forward: outputs holds %zu floats, (%d, %d) needs %zu",
                              outputs_cap, (int)B, (int)o->output_size, need);
    lstmsent_status st = check_hidden(m, hidden_in, B, "hidden_in");
    if (st == LSTMSENT_OK)
        st = check_hidden(m, hidden_out, B, "hidden_out");
    if (st != LSTMSENT_OK)
        return st;
    for (int32_t b = 0; b < B; b++) {
        for (int32_t t = 0; t < T; t++) {
            int32_t v = ids[(size_t)b * T + t];
            if (v < 0 || v >= o->num_embeddings)
                return lstmsent__fail(LSTMSENT_ERR_TOKEN,
                                      "forward: ids[%d][%d] = %d is outside the embedding's "
                                      "0..%lld", (int)b, (int)t, (int)v,
                                      (long long)o->num_embeddings - 1);
        }
    }
    if (o->pooling == LSTMSENT_POOL_LAST_TOKEN) {
        if (lengths == NULL)
            return lstmsent__fail(LSTMSENT_ERR_NULL,
                                  "forward: argument 'lengths' is NULL, and the model pools "
                                  "at each row's last token");
        for (int32_t b = 0; b < B; b++) {
            if (lengths[b] < 0 || lengths[b] > T)
                return lstmsent__fail(LSTMSENT_ERR_INVALID,
                                      "forward: lengths[%d] = %d is outside 0..%d", (int)b,
                                      (int)lengths[b], (int)T);
        }
    }
    return LSTMSENT_OK;
}

static lstmsent_status finish_forward(lstmsent_model *m, activations *a, lstmsent__rng *rng,
                                      float *outputs);

/* ---- evaluation: shared prefixes ------------------------------------------------------
 * In evaluation from a zero state, a row's states at steps 0 .. k-1 depend only on its
 * first k ids: rows that begin with the same k ids have the same states for k steps, in
 * every layer, to the bit. The plan sorts the batch's rows by their ids (lexicographically,
 * within each thread's share), and a row runs only from the first step where it differs
 * from the row before it, starting from the state of an earlier row that has the same ids
 * so far; a row equal to the one before it does not run at all and copies the results.
 * Rows go in blocks of 8 (the packed kernel's), ordered by that step; a block joins at
 * its earliest row's step, its other rows running a few steps they could have skipped (the
 * same arithmetic). The sharing is exact: each row gets the bits it would get alone, which
 * holds where the packed kernel runs (AVX-512), so only there. On dev.tsv (phrases that
 * are parts of the same sentences) in batches of 256 it skips about 9% of the row steps.
 * Only for last-step pooling; LSTMSENT_SHARE_PREFIX=0 turns it off. */

static int share_policy = -1;

void lstmsent__model_share_prefix(int on)
{
    share_policy = on != 0;
}

size_t lstmsent__model_eval_row_steps(const lstmsent_model *m)
{
    return m->have_forward && !m->a.dropout_on ? m->a.eval_row_steps : 0;
}

static int share_prefix(void)
{
    if (share_policy < 0) {
        const char *e = getenv("LSTMSENT_SHARE_PREFIX");
        share_policy = !(e != NULL && e[0] == '0');
    }
    return share_policy;
}

/* Rows x < y in the order of their ids (ties by row number: a stable order). */
static int row_before(const int32_t *ids, int32_t T, int32_t x, int32_t y)
{
    const int32_t *a = ids + (size_t)x * T, *b = ids + (size_t)y * T;
    for (int32_t t = 0; t < T; t++)
        if (a[t] != b[t])
            return a[t] < b[t];
    return x < y;
}

/* Sort v (n) by row_before: a bottom-up merge sort through tmp (n). */
static void sort_rows(int32_t *v, int32_t *tmp, int32_t n, const int32_t *ids, int32_t T)
{
    for (int32_t w = 1; w < n; w *= 2) {
        for (int32_t lo = 0; lo < n; lo += 2 * w) {
            int32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int32_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = row_before(ids, T, v[j], v[i]) ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, (size_t)n * sizeof *v);
    }
}

/* sorted (B) gets the batch rows by length (pool_t + 1), longest first, ties in batch order
 * (a stable counting sort, as pack_padded_sequence's sort); count (T + 1) is scratch. */
static void sort_by_length(const activations *a, int32_t *sorted, int32_t *count)
{
    const int32_t B = a->B, T = a->T;
    memset(count, 0, ((size_t)T + 1) * sizeof *count);
    for (int32_t b = 0; b < B; b++)
        count[T - 1 - a->pool_t[b]]++;
    for (int32_t k = 0, sum = 0; k <= T; k++) {
        int32_t c = count[k];
        count[k] = sum;
        sum += c;
    }
    for (int32_t b = 0; b < B; b++)
        sorted[count[T - 1 - a->pool_t[b]]++] = b;
}

/* Deal the sorted rows (B) out to the parts one by one, in rounds that go 0, 1, ...,
 * parts-1 and then back (a snake), so that every part gets rows of every length and the
 * longest ones are spread: the parts' work, and their last steps, come out nearly even.
 * Part p gets positions base[p] .. base[p+1] - 1 (base: parts + 1), perm[q] the row at
 * position q; each part's rows stay longest first. */
static void deal_rows(int32_t *perm, int32_t *base, const int32_t *sorted, int32_t B, int parts)
{
    base[0] = 0;
    for (int p = 0; p < parts; p++) {
        int32_t q = base[p];
        for (int32_t i = 0; i < B; i++) {
            int32_t round = i / parts, j = i % parts;
            if ((round % 2 == 0 ? j : parts - 1 - j) == p)
                perm[q++] = sorted[i];
        }
        base[p + 1] = q;
    }
}

/* The plan of a last-token evaluation forward: the rows sorted by length (pool_t + 1),
 * longest first, and dealt to the parts one by one in snake order (deal_rows), as a
 * training plan deals them; every row joins at step 0 and runs exactly its own steps (the
 * part's running rows shrink as they end; fillers run none). */
static void plan_eval_shrink(activations *a, int32_t *perm, int32_t *pos, int32_t *src,
                             int32_t *sorted, int32_t *count, int32_t *join, int32_t *steps,
                             int32_t *base, int parts)
{
    const int32_t B = a->B, B8 = (int32_t)(((size_t)B + 7) / 8 * 8);
    sort_by_length(a, sorted, count);
    deal_rows(perm, base, sorted, B, parts);
    for (int32_t q = B; q < B8; q++)   // fillers: at the end of the last part, never run
        perm[q] = -1;
    base[parts] = B8;
    for (int32_t q = 0; q < B8; q++) {
        src[q] = -1;
        steps[q] = perm[q] >= 0 ? a->pool_t[perm[q]] + 1 : 0;
        if (perm[q] >= 0)
            pos[perm[q]] = q;
    }
    for (int32_t k = 0; k < B8 / 8; k++)
        join[k] = 0;
}

/* The plan of an evaluation forward (lstmsent__eval_plan) in ints (plan_ints of them),
 * over at most `parts` threads; share: with shared prefixes, else every row from step 0 in
 * batch order; shrink (last-token pooling, no sharing): plan_eval_shrink. pos (B) gets
 * each batch row's position. */
static void plan_eval(activations *a, int32_t *ints, int parts, int share, int shrink,
                      lstmsent__eval_plan *pl, int32_t **pos_out)
{
    const int32_t B = a->B, T = a->T, B8 = (int32_t)(((size_t)B + 7) / 8 * 8), nb = B8 / 8;
    int32_t *perm = ints, *pos = perm + B8, *src = pos + B8, *order = src + B8;
    int32_t *lcp = order + B8, *tmp = lcp + B8, *at = tmp + B8, *join = at + B8;
    int32_t *steps = join + nb, *base = steps + B8, *count = base + MAX_PARTS + 1;
    parts = parts > MAX_PARTS ? MAX_PARTS : parts;
    parts = parts > (shrink ? B : nb) ? (shrink ? B : nb) : parts;
    *pos_out = pos;
    if (shrink) {
        plan_eval_shrink(a, perm, pos, src, tmp, count, join, steps, base, parts);
        *pl = (lstmsent__eval_plan){
            .parts = parts, .base = base, .perm = perm, .join = join, .steps = steps,
            .src = src,
        };
        return;
    }
    const int32_t per = (nb + parts - 1) / parts * 8;
    parts = (B8 + per - 1) / per;   // no empty part
    for (int p = 0; p <= parts; p++)
        base[p] = p * per < B8 ? p * per : B8;

    for (int32_t q = 0; q < B8; q++) {
        order[q] = q;
        steps[q] = T;
    }
    if (share)
        sort_rows(order, tmp, B, a->ids, T);   // the fillers B .. B8-1 stay last
    for (int p = 0; p < parts; p++) {
        const int32_t lo = base[p], hi = base[p + 1];
        /* lcp: the steps each row (in sorted order) has in common with the one before;
         * the first row of a part has none. Fillers go last, as if they had nothing left
         * to run: they run only with a block of real rows, from zero (never read). */
        for (int32_t i = lo; i < hi; i++) {
            int32_t k = order[i] < B ? 0 : T;
            if (share && i > lo && order[i] < B) {
                const int32_t *x = a->ids + (size_t)order[i - 1] * T,
                              *y = a->ids + (size_t)order[i] * T;
                while (k < T && x[k] == y[k])
                    k++;
            }
            lcp[i] = k;
        }
        /* Positions: the part's rows by lcp (a stable counting sort), so that the rows
         * running at any step come first. */
        memset(count, 0, ((size_t)T + 1) * sizeof *count);
        for (int32_t i = lo; i < hi; i++)
            count[lcp[i]]++;
        for (int32_t k = 0, sum = lo; k <= T; k++) {
            int32_t c = count[k];
            count[k] = sum;
            sum += c;
        }
        for (int32_t i = lo; i < hi; i++)
            at[i] = count[lcp[i]]++;   // sorted index i -> position
        for (int32_t i = lo; i < hi; i++) {
            int32_t q = at[i];
            perm[q] = order[i] < B ? order[i] : -1;
            tmp[q] = i;                // position -> sorted index
        }
        for (int32_t q = lo; q < hi; q += 8)
            join[q / 8] = lcp[tmp[q]];
        /* A row of a block joining at s > 0 starts from the last row before it (in sorted
         * order) that shares s - 1 ids... that is, whose own lcp is below s: it ran at s - 1
         * and its first s ids are this row's. */
        for (int32_t i = lo; i < hi; i++) {
            int32_t s = join[at[i] / 8], k = i - 1;
            if (s == 0 || order[i] >= B) {
                src[at[i]] = -1;
                continue;
            }
            while (lcp[k] >= s)
                k--;
            src[at[i]] = at[k];
        }
    }
    for (int32_t q = 0; q < B8; q++)
        if (perm[q] >= 0)
            pos[perm[q]] = q;
    *pl = (lstmsent__eval_plan){
        .parts = parts, .base = base, .perm = perm, .join = join, .steps = steps,
        .src = src,
    };
}

/* Every layer of an evaluation-mode forward, after the per-id projection of layer 0:
 * lstmsent__lstm_eval on the batch rounded up to 8 rows (the fillers start from zero and
 * are dropped), from hidden_in (NULL: zero); pooled set; the last state to hidden_out. */
static void forward_eval(lstmsent_model *m, activations *a, const lstmsent_hidden *hidden_in,
                         lstmsent_hidden *hidden_out)
{
    const lstmsent_model_options *o = &m->opts;
    const int32_t L = o->num_layers, H = o->hidden_dim, G = 4 * H, B = a->B, T = a->T;
    const int32_t B8 = (int32_t)(((size_t)B + 7) / 8 * 8);
    const size_t BH = (size_t)B * H, row = (size_t)H * sizeof(float);
    int state_zero = 1;
    for (int32_t l = 0; hidden_in != NULL && l < L; l++)
        state_zero = state_zero &&
                     lstmsent__all_zero(hidden_in->h + (size_t)l * BH, BH) &&
                     lstmsent__all_zero(hidden_in->c + (size_t)l * BH, BH);
    lstmsent__eval_plan plan;
    int32_t *pos;
    /* Sharing, and a split over threads, only where each row's arithmetic cannot depend on
     * the other rows of a product: the packed kernel's (a BLAS may sum a row differently
     * for another number of rows). */
    const int packed = lstmsent__gemm_panels_ok(8, G);
    const int shrink = o->pooling == LSTMSENT_POOL_LAST_TOKEN;
    plan_eval(a, a->slot + (size_t)B * T, packed ? lstmsent__threads() : 1,
              packed && state_zero && !shrink && share_prefix(), shrink, &plan, &pos);
    float *wpack = m->eval_pack + (size_t)o->embed_dim * G;   // after layer 0's W_ih^T
    for (int32_t l = 0; l < L; l++) {
        layer_acts *la = &a->layers[l];
        const lstm_view *w = &m->p.lstm[l];
        const int32_t C = l == 0 ? 0 : H, K = C + H;
        for (int32_t q = 0; q < B8; q++) {
            float *h = la->xh + (size_t)q * K + C, *c = la->cs + (size_t)q * H;
            const int32_t b = plan.perm[q];
            if (hidden_in != NULL && b >= 0) {
                memcpy(h, hidden_in->h + (size_t)l * BH + (size_t)b * H, row);
                memcpy(c, hidden_in->c + (size_t)l * BH + (size_t)b * H, row);
            } else {
                memset(h, 0, row);
                memset(c, 0, row);
            }
        }
        if (l > 0)   // layer 0's biases are in proj already
            for (int32_t j = 0; j < G; j++)
                la->bias[j] = w->b_ih[j] + w->b_hh[j];
        m->eval_layers[l] = (lstmsent__eval_layer){
            .w_ih = w->w_ih, .w_hh = w->w_hh, .bias = la->bias, .wpack = wpack,
            .xh = la->xh, .c = la->cs, .C = C,
        };
        wpack += (size_t)K * G;
    }
    const int repack = m->pack_version != m->params_version;
    m->pack_version = m->params_version;
    /* With last-token pooling a row's state out is the one at its last token (as
     * pack_padded_sequence gives), taken as the row passes it. */
    lstmsent__lstm_eval(m->eval_layers, L, H, &plan, B, T, a->proj, a->slot, a->pool_t,
                        a->pooled, a->eval_gates, a->eval_h, state_zero, repack,
                        shrink && hidden_out != NULL ? hidden_out->h : NULL,
                        shrink && hidden_out != NULL ? hidden_out->c : NULL);
    a->eval_row_steps = 0;
    for (int32_t q = 0; q < B8; q++)
        if (plan.steps[q] > plan.join[q / 8])
            a->eval_row_steps += (size_t)(plan.steps[q] - plan.join[q / 8]);

    /* A row that never ran (the same ids as the row before it) has its source's results. */
    for (int32_t b = 0; b < B; b++) {
        int32_t q = pos[b];
        if (plan.join[q / 8] >= T)
            memcpy(a->pooled + (size_t)b * H, a->pooled + (size_t)plan.perm[plan.src[q]] * H,
                   row);
    }
    if (hidden_out != NULL && !shrink) {
        for (int32_t l = 0; l < L; l++) {
            const layer_acts *la = &a->layers[l];
            const int32_t C = l == 0 ? 0 : H;
            for (int32_t b = 0; b < B; b++) {
                int32_t q = pos[b];
                if (plan.join[q / 8] >= T)
                    q = plan.src[q];
                memcpy(hidden_out->h + (size_t)l * BH + (size_t)b * H,
                       la->xh + (size_t)q * (C + H) + C, row);
                memcpy(hidden_out->c + (size_t)l * BH + (size_t)b * H,
                       la->cs + (size_t)q * H, row);
            }
        }
    }
}

/* Layer 0's projection in evaluation, proj (U8, G) += x0 (U8, E) W_ih^T from its packed
 * panels, split over the threads by blocks of 32 columns. */
typedef struct proj_job {
    const float *x0, *pack;
    float *proj;
    int32_t U8, E, G;
} proj_job;

static void proj_part(void *ctx, int part, int parts)
{
    const proj_job *j = ctx;
    const int32_t per = (j->G / 32 + parts - 1) / parts * 32;
    const int32_t n0 = part * per, n1 = n0 + per < j->G ? n0 + per : j->G;
    if (n1 > n0)   // panel block n0 / 32 starts at float n0 * E of the pack
        lstmsent__gemm_panels(j->U8, n1 - n0, j->E, j->x0, j->E, j->pack + (size_t)n0 * j->E, 1,
                              j->proj + n0, j->G);
}

/* ---- training: the steps each row runs ---------------------------------------------------
 * Last-step pooling reads every row at step T-1, so every row runs every step (a full
 * plan, split over the threads as the time loops always were). With last-token pooling
 * nothing after a row's last token can reach its output or any gradient, so, as PyTorch's
 * pack_padded_sequence does, the rows are sorted by length (longest first, stably) and
 * each step runs only the rows still inside their phrase: most of a batch of short phrases
 * is never computed. The sorted rows are dealt to the threads one by one (deal_rows), so
 * that every part gets long and short rows alike. */

/* Inverted dropout over a layer's output (N, H) in a shrinking plan, drawn in the order of
 * the positions, not of the packed rows: for t = 0, 1, ..., for each batch row b whose
 * phrase is still running at t (t <= pool_t[b]), one draw per element. So the masks do not
 * depend on how the rows were dealt to the threads. */
static void dropout_by_position(const activations *a, float *drop, float *mask, const float *inp,
                                float p, lstmsent__rng *rng, int32_t H)
{
    const lstmsent__seq_plan *pl = &a->seq;
    const size_t rows = (size_t)pl->rows;   // the rows past N stay zero too
    memset(drop, 0, rows * H * sizeof(float));
    memset(mask, 0, rows * H * sizeof(float));
    for (int32_t t = 0; t < pl->T; t++) {
        for (int32_t b = 0; b < a->B; b++) {
            if (a->pool_t[b] < t)
                continue;
            const int32_t q = a->part[b];
            const size_t r = (size_t)pl->at[(size_t)t * pl->parts + q] + a->pos[b] - pl->base[q];
            lstmsent__dropout_forward(drop + r * H, mask + r * H, inp + r * H, p, rng,
                                      (size_t)H);
        }
    }
}

/* The plan of a training forward (a->seq, a->perm, a->pos, a->prow, a->pslot) in ints
 * (train_plan_ints of them); packed: the panel kernel runs the products (the counts are
 * whole blocks of 8). a->pool_t must be set. */
static void plan_train(activations *a, int32_t *ints, int shrink, int packed)
{
    const int32_t B = a->B, T = a->T;
    int32_t *perm = ints, *pos = perm + B, *prow = pos + B, *part = prow + B;
    int32_t *sorted = part + B, *base = sorted + B, *off = base + MAX_PARTS + 1, *at = off + T + 1;
    int32_t *cnt = at + (size_t)T * MAX_PARTS, *count = cnt + (size_t)T * MAX_PARTS;
    a->pslot = count + T + 2 + MAX_PARTS;   // (T * B); count: (T + 2) or (parts)
    int parts = 1;
    if (packed) {
        parts = lstmsent__threads() < MAX_PARTS ? lstmsent__threads() : MAX_PARTS;
        parts = parts < (B + 7) / 8 ? parts : (B + 7) / 8;
    }
    int32_t steps = T;
    if (!shrink) {
        const int32_t per = ((B + 7) / 8 + parts - 1) / parts * 8;
        parts = (B + per - 1) / per;   // no empty part
        for (int p = 0; p <= parts; p++)
            base[p] = p * per < B ? p * per : B;
        for (int32_t q = 0; q < B; q++)
            perm[q] = q;
    } else {
        sort_by_length(a, sorted, count);
        steps = a->pool_t[sorted[0]] + 1;
        deal_rows(perm, base, sorted, B, parts);
    }
    for (int32_t q = 0; q < B; q++)
        pos[perm[q]] = q;

    /* The counts, and where each part's rows of a step lie. */
    off[0] = 0;
    for (int p = 0; p < parts; p++)
        count[p] = base[p + 1] - base[p];   // rows of part p still running
    for (int32_t t = 0; t < steps; t++) {
        int32_t row = off[t];
        for (int p = 0; p < parts; p++) {
            int32_t n = count[p];
            if (shrink) {
                while (n > 0 && a->pool_t[perm[base[p] + n - 1]] < t)
                    n--;
                count[p] = n;
            }
            at[(size_t)t * parts + p] = row;
            cnt[(size_t)t * parts + p] = n;
            row += n;
        }
        off[t + 1] = row;
    }
    for (int32_t b = 0; b < B; b++) {
        int p = 0;
        while (pos[b] >= base[p + 1])
            p++;
        prow[b] = at[(size_t)a->pool_t[b] * parts + p] + pos[b] - base[p];
        part[b] = p;
    }
    a->perm = perm;
    a->part = part;
    a->pos = pos;
    a->prow = prow;
    /* The large products run over the N rows rounded up to 8 (zero rows after them),
     * a shape the panel kernel takes; a full plan has N = T*B, a multiple of 8 already
     * when it is packed. */
    const int32_t N = off[steps];
    a->seq = (lstmsent__seq_plan){
        .B = B, .T = steps, .parts = parts, .packed = packed, .full = !shrink,
        .rows = packed ? (N + 7) / 8 * 8 : N, .base = base, .off = off, .at = at, .cnt = cnt,
    };
}

lstmsent_status lstmsent_model_forward(lstmsent_model *model, const int32_t *ids,
                                       int32_t batch, int32_t seq_len,
                                       const int32_t *lengths,
                                       const lstmsent_hidden *hidden_in,
                                       float *outputs, size_t outputs_cap,
                                       lstmsent_hidden *hidden_out)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(ids);
    LSTMSENT__CHECK_NULL(outputs);
    lstmsent_model *m = model;
    const int32_t B = batch, T = seq_len;
    lstmsent_status st = check_forward(m, ids, B, T, lengths, hidden_in, outputs_cap,
                                       hidden_out);
    if (st == LSTMSENT_OK)
        st = reserve_workspace(m, B, T);
    if (st != LSTMSENT_OK)
        return st;
    /* Nothing fails from here on. */

    const lstmsent_model_options *o = &m->opts;
    const int32_t L = o->num_layers, E = o->embed_dim, H = o->hidden_dim;
    const size_t BH = (size_t)B * H;
    activations *a = &m->a;
    carver cv = {m->ws, 0, 0};
    layout(m, a, &cv, B, T, m->training);
    a->ids = m->iws;                             // (B, T)
    a->pool_t = m->iws + (size_t)B * T;          // (B)
    a->uniq = a->pool_t + B;                     // (U <= T*B)
    a->slot = a->uniq + (size_t)B * T;           // (T, B)
    memcpy(a->ids, ids, (size_t)B * T * sizeof *ids);
    for (int32_t b = 0; b < B; b++) {
        int32_t t = T - 1;
        if (o->pooling == LSTMSENT_POOL_LAST_TOKEN)
            t = lengths[b] > 0 ? lengths[b] - 1 : 0;
        a->pool_t[b] = t;
    }
    a->dropout_on = m->training;
    if (m->training && m->dropout_frozen)
        m->dropout_rng = m->frozen_rng;

    /* Layer 0's input projection once per distinct id of the batch (real batches are
     * mostly padding): proj (U, G) = b_ih + b_hh + x0 W_ih^T, then copied to each position
     * that runs. slot (T, B) indexes every position; a shrinking training plan indexes only
     * its packed rows (pslot), so that padding it never runs costs nothing. */
    const int32_t G = 4 * H;
    const int shrink = m->training && o->pooling == LSTMSENT_POOL_LAST_TOKEN;
    /* The panel kernel takes a shrinking plan's steps of any number of rows; a full plan
     * keeps the tutorial's rule (whole blocks of 8, B % 8 == 0). */
    if (m->training)
        plan_train(a, a->slot + (size_t)B * T + plan_ints(B, T), shrink,
                   (shrink || B % 8 == 0) && lstmsent__gemm_panels_ok(8, G) &&
                       lstmsent__gemm_panels_ok(8, H));
    int32_t U = 0;
#define LSTMSENT__SLOT(id, dst)                          \
    do {                                                 \
        int32_t sl_ = m->emb_slot[id];                   \
        if (sl_ < 0) {                                   \
            sl_ = m->emb_slot[id] = U;                   \
            a->uniq[U++] = (id);                         \
        }                                                \
        (dst) = sl_;                                     \
    } while (0)
    if (shrink) {
        const lstmsent__seq_plan *pl = &a->seq;
        for (int32_t t = 0; t < pl->T; t++)
            for (int p = 0; p < pl->parts; p++)
                for (int32_t r = 0; r < pl->cnt[(size_t)t * pl->parts + p]; r++) {
                    int32_t b = a->perm[pl->base[p] + r];
                    LSTMSENT__SLOT(a->ids[(size_t)b * T + t],
                                   a->pslot[pl->at[(size_t)t * pl->parts + p] + r]);
                }
    } else {
        for (int32_t t = 0; t < T; t++)
            for (int32_t b = 0; b < B; b++)
                LSTMSENT__SLOT(a->ids[(size_t)b * T + t], a->slot[(size_t)t * B + b]);
        a->pslot = a->slot;   // a full plan's packed rows are the (T, B) positions
    }
#undef LSTMSENT__SLOT
    for (int32_t u = 0; u < U; u++)
        m->emb_slot[a->uniq[u]] = -1;
    a->U = U;
    /* With last-token pooling the products over the distinct ids run on U rounded up to 8
     * rows (zero rows after the real ones), a shape the panel kernel takes; the tutorial's
     * last-step path keeps the arithmetic its Adam parity was measured with. */
    const int32_t U8 = o->pooling == LSTMSENT_POOL_LAST_TOKEN ? (U + 7) / 8 * 8 : U;
    a->U8 = U8;
    for (int32_t u = 0; u < U; u++)
        memcpy(a->x0 + (size_t)u * E, m->p.embedding + (size_t)a->uniq[u] * E,
               (size_t)E * sizeof(float));
    memset(a->x0 + (size_t)U * E, 0, (size_t)(U8 - U) * E * sizeof(float));
    {
        const lstm_view *w = &m->p.lstm[0];
        for (int32_t u = 0; u < U8; u++) {
            float *row = a->proj + (size_t)u * G;
            for (int32_t j = 0; j < G; j++)
                row[j] = w->b_ih[j] + w->b_hh[j];
        }
        /* Evaluation: W_ih^T from the packs kept between forwards (all of them remade
         * together when stale, in forward_eval for the others). */
        const int panels = !m->training && lstmsent__gemm_panels_ok(8, G);
        if (panels && m->pack_version != m->params_version)
            lstmsent__gemm_pack_panels(m->eval_pack, 1, E, G, w->w_ih, E);
        if (panels && U8 % 8 == 0) {
            proj_job job = {a->x0, m->eval_pack, a->proj, U8, E, G};
            lstmsent__parallel(proj_part, &job, lstmsent__threads());
        } else {
            lstmsent__gemm(0, 1, U8, G, E, 1.0f, a->x0, E, w->w_ih, E, 1.0f, a->proj, G);
        }
    }

    if (!m->training) {
        forward_eval(m, a, hidden_in, hidden_out);
        return finish_forward(m, a, NULL, outputs);
    }

    const lstmsent__seq_plan *pl = &a->seq;
    const size_t N = (size_t)pl->off[pl->T];
    const float *inp = NULL;   // (N, C_l); NULL: layer 0, from proj
    for (int32_t l = 0; l < L; l++) {
        layer_acts *la = &a->layers[l];
        const lstm_view *w = &m->p.lstm[l];
        la->inp = (float *)inp;
        /* The incoming state goes into the workspace first, by position, so that hidden_out
         * may be hidden_in. */
        if (hidden_in != NULL) {
            for (int32_t q = 0; q < B; q++) {
                const size_t src = (size_t)l * BH + (size_t)a->perm[q] * H;
                memcpy(la->hs + (size_t)q * H, hidden_in->h + src, (size_t)H * sizeof(float));
                memcpy(la->cs + (size_t)q * H, hidden_in->c + src, (size_t)H * sizeof(float));
            }
        } else {
            memset(la->hs, 0, BH * sizeof(float));
            memset(la->cs, 0, BH * sizeof(float));
        }
        if (l == 0) {
            for (size_t r = 0; r < N; r++)
                memcpy(la->gates + r * G, a->proj + (size_t)a->pslot[r] * G,
                       (size_t)G * sizeof(float));
        }
        lstmsent__lstm_forward(la->gates, la->hs, la->cs, la->tanh_c, a->wpack, inp, w->w_ih,
                               w->w_hh, w->b_ih, w->b_hh, pl, l == 0 ? E : H, H);
        inp = la->hs + BH;   // (N, H) the layer's output
        if (l < L - 1 && a->dropout_on && o->lstm_dropout > 0.0f) {
            if (pl->full)
                lstmsent__dropout_forward(la->drop, la->mask, inp, o->lstm_dropout,
                                          &m->dropout_rng, N * H);
            else
                dropout_by_position(a, la->drop, la->mask, inp, o->lstm_dropout,
                                    &m->dropout_rng, H);
            inp = la->drop;
        }
    }

    /* Pooling: one packed row per batch row of the last layer's output (N, H) -> (B, H);
     * the state out is each row's at the same step (its last: T-1, or its last token). */
    for (int32_t b = 0; b < B; b++)
        memcpy(a->pooled + (size_t)b * H, inp + (size_t)a->prow[b] * H,
               (size_t)H * sizeof(float));
    if (hidden_out != NULL) {
        for (int32_t l = 0; l < L; l++) {
            const layer_acts *la = &a->layers[l];
            for (int32_t b = 0; b < B; b++) {
                const size_t src = (BH + (size_t)a->prow[b] * H), dst = (size_t)l * BH + (size_t)b * H;
                memcpy(hidden_out->h + dst, la->hs + src, (size_t)H * sizeof(float));
                memcpy(hidden_out->c + dst, la->cs + src, (size_t)H * sizeof(float));
            }
        }
    }
    return finish_forward(m, a, &m->dropout_rng, outputs);
}

/* The head after pooling: output dropout (rng NULL: none, evaluation), the linear layer,
 * the sigmoid; the outputs copied out. */
static lstmsent_status finish_forward(lstmsent_model *m, activations *a, lstmsent__rng *rng,
                                      float *outputs)
{
    const lstmsent_model_options *o = &m->opts;
    const int32_t B = a->B, H = o->hidden_dim, O = o->output_size;
    const size_t BH = (size_t)B * H;
    a->fc_in = a->pooled;
    if (rng != NULL && a->dropout_on && o->output_dropout > 0.0f) {
        lstmsent__dropout_forward(a->fc_drop, a->out_mask, a->pooled, o->output_dropout, rng,
                                  BH);
        a->fc_in = a->fc_drop;
    }
    lstmsent__linear_forward(a->logits, a->fc_in, m->p.fc_w, m->p.fc_b, B, H, O);
    if (o->head == LSTMSENT_HEAD_SIGMOID)
        lstmsent__sigmoid_forward(a->outputs, a->logits, (size_t)B * O);

    memcpy(outputs, a->outputs, (size_t)B * O * sizeof(float));
    m->have_forward = 1;
    m->have_loss = 0;
    return LSTMSENT_OK;
}

/* ---- loss and backward --------------------------------------------------------------- */

lstmsent_status lstmsent_model_loss(lstmsent_model *model, const int32_t *labels, size_t batch,
                                    float *loss, float *accuracy)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(labels);
    lstmsent_model *m = model;
    activations *a = &m->a;
    const int32_t O = m->opts.output_size;
    if (!m->have_forward)
        return lstmsent__fail(LSTMSENT_ERR_STATE, "loss: no forward to take the loss of");
    if (batch != (size_t)a->B)
        return lstmsent__fail(LSTMSENT_ERR_SHAPE,
                              "loss: %zu labels for a forward of batch %d", batch, (int)a->B);
    for (size_t b = 0; b < batch; b++) {
        if (labels[b] < 0 || labels[b] >= O)
            return lstmsent__fail(LSTMSENT_ERR_LABEL, "loss: labels[%zu] = %d is outside 0..%d",
                                  b, (int)labels[b], (int)O - 1);
    }

    const int B = a->B;
    /* The tutorial's criterion puts 1e-10 inside the log; plain cross-entropy does not. */
    double eps = m->opts.head == LSTMSENT_HEAD_SIGMOID ? 1e-10 : 0.0;
    double total = lstmsent__softmax_xent_forward(a->probs, a->outputs, labels, eps, B, O);
    lstmsent__softmax_xent_backward(a->doutputs, a->probs, labels, eps, 1.0f / (float)B, B, O);

    int correct = 0;
    for (int b = 0; b < B; b++) {
        const float *y = a->outputs + (size_t)b * O;
        int best = 0;   // the first of equal maxima, as torch.argmax
        for (int k = 1; k < O; k++)
            best = y[k] > y[best] ? k : best;
        correct += best == labels[b];
    }
    if (loss != NULL)
        *loss = (float)(total / B);
    if (accuracy != NULL)
        *accuracy = (float)correct / (float)B;
    m->have_loss = 1;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_model_backward(lstmsent_model *model)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    lstmsent_model *m = model;
    activations *a = &m->a;
    if (!m->have_forward)
        return lstmsent__fail(LSTMSENT_ERR_STATE, "backward: no forward yet");
    if (!a->dropout_on)
        return lstmsent__fail(LSTMSENT_ERR_STATE,
                              "backward: the last forward ran in evaluation mode");
    if (!m->have_loss)
        return lstmsent__fail(LSTMSENT_ERR_STATE,
                              "backward: no loss since the last forward (or its backward "
                              "already ran)");

    const lstmsent_model_options *o = &m->opts;
    const int32_t L = o->num_layers, E = o->embed_dim, H = o->hidden_dim, O = o->output_size;
    const int32_t B = a->B;
    const size_t BH = (size_t)B * H;

    /* Head: outputs (B, O) -> logits -> fc_in (B, H) -> pooled (B, H). */
    if (o->head == LSTMSENT_HEAD_SIGMOID)
        lstmsent__sigmoid_backward(a->dlogits, a->outputs, a->doutputs, (size_t)B * O);
    lstmsent__linear_backward(a->dfc_in, m->g.fc_w, m->g.fc_b, a->dlogits, a->fc_in, m->p.fc_w,
                              B, H, O);
    if (a->fc_in == a->fc_drop)
        lstmsent__dropout_backward(a->dfc_in, a->out_mask, a->dfc_in, BH);

    /* Un-pool: the last layer's output gets gradient only at each row's pooled step. */
    const lstmsent__seq_plan *pl = &a->seq;
    const size_t N = (size_t)pl->off[pl->T];
    float *dh = a->dh_a;   // (N, H)
    memset(dh, 0, N * H * sizeof(float));
    for (int32_t b = 0; b < B; b++)
        memcpy(dh + (size_t)a->prow[b] * H, a->dfc_in + (size_t)b * H,
               (size_t)H * sizeof(float));

    for (int32_t l = L - 1; l >= 0; l--) {
        const layer_acts *la = &a->layers[l];
        const int32_t C = l == 0 ? E : H;
        float *dinp = l == 0 ? NULL : (dh == a->dh_a ? a->dh_b : a->dh_a);   // (N, C)
        lstmsent__lstm_backward(dinp, m->g.lstm[l].w_ih, m->g.lstm[l].w_hh, m->g.lstm[l].b_ih,
                                m->g.lstm[l].b_hh, a->dgates, a->dh_next, a->dc_next, a->wpack,
                                a->hprev, dh, la->gates, la->hs, la->cs, la->tanh_c, la->inp,
                                m->p.lstm[l].w_ih, m->p.lstm[l].w_hh, pl, C, H);
        if (l > 0) {
            const layer_acts *below = &a->layers[l - 1];
            if (la->inp == below->drop)
                lstmsent__dropout_backward(dinp, below->mask, dinp, N * H);
        }
        dh = dinp;
    }

    /* Layer 0's input side per distinct id: D (U, G) sums the gates' gradient over the
     * packed rows of each id; dW_ih += D^T x0, and the embedding rows get D W_ih. */
    const int32_t G = 4 * H, U = a->U, U8 = a->U8;
    float *D = a->proj;   // (U8, G): the forward's projection is no longer needed
    memset(D, 0, (size_t)U8 * G * sizeof(float));
    for (size_t r = 0; r < N; r++) {
        float *drow = D + (size_t)a->pslot[r] * G;
        const float *grow = a->dgates + r * G;
        for (int32_t j = 0; j < G; j++)
            drow[j] += grow[j];
    }
    lstmsent__gemm(1, 0, G, E, U, 1.0f, D, G, a->x0, E, 1.0f, m->g.lstm[0].w_ih, E);
    lstmsent__gemm(0, 0, U8, E, G, 1.0f, D, G, m->p.lstm[0].w_ih, E, 0.0f, a->dx0, E);
    for (int32_t u = 0; u < U; u++) {
        int32_t id = a->uniq[u];
        if (id == o->padding_idx)
            continue;
        if (!m->emb_marked[id]) {
            m->emb_marked[id] = 1;
            m->touched[m->n_touched++] = id;
        }
        float *grow = m->g.embedding + (size_t)id * E;
        const float *d = a->dx0 + (size_t)u * E;
        for (int32_t e = 0; e < E; e++)
            grow[e] += d[e];
    }

    /* As PyTorch frees the graph: one backward per loss. */
    m->have_loss = 0;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_model_zero_grad(lstmsent_model *model)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    lstmsent_model *m = model;
    const size_t E = (size_t)m->opts.embed_dim, emb = m->tensors[0].numel;
    if (m->grad_dense) {
        memset(m->grads, 0, m->num_floats * sizeof(float));
    } else {
        memset(m->grads + emb, 0, (m->num_floats - emb) * sizeof(float));
        for (size_t i = 0; i < m->n_touched; i++)
            memset(m->g.embedding + (size_t)m->touched[i] * E, 0, E * sizeof(float));
    }
    for (size_t i = 0; i < m->n_touched; i++)
        m->emb_marked[m->touched[i]] = 0;
    m->n_touched = 0;
    m->grad_dense = 0;
    return LSTMSENT_OK;
}

/* Clipping's two loops, applied to each piece of the gradient that can be nonzero. */
static double grad_sumsq(const float *g, size_t n)
{
    return lstmsent__sumsq(g, n);
}

static void grad_scale(float *g, size_t n, float coef)
{
    for (size_t i = 0; i < n; i++)
        g[i] *= coef;
}

lstmsent_status lstmsent_model_clip_grad_norm(lstmsent_model *model, float max_norm,
                                              int error_if_nonfinite, float *total_norm)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    if (!(max_norm >= 0.0f) || isinf(max_norm))
        return lstmsent__fail(LSTMSENT_ERR_INVALID,
                              "clip_grad_norm: max_norm = %g is not finite and >= 0",
                              (double)max_norm);
    lstmsent_model *m = model;
    const size_t E = (size_t)m->opts.embed_dim, emb = m->tensors[0].numel;
    /* Only where the gradient can be nonzero: the rest adds exact zeros. */
    double sum = 0.0;
    if (m->grad_dense) {
        sum = grad_sumsq(m->grads, emb);
    } else {
        for (size_t i = 0; i < m->n_touched; i++)
            sum += grad_sumsq(m->g.embedding + (size_t)m->touched[i] * E, E);
    }
    sum += grad_sumsq(m->grads + emb, m->num_floats - emb);
    float total = (float)sqrt(sum);
    if (error_if_nonfinite && !isfinite(total))
        return lstmsent__fail(LSTMSENT_ERR_NONFINITE,
                              "clip_grad_norm: the total norm of the gradients is %g",
                              (double)total);
    /* PyTorch's arithmetic, in float: coef = max_norm / (total + 1e-6), applied when < 1. */
    float coef = max_norm / (total + 1e-6f);
    if (coef < 1.0f) {
        if (m->grad_dense) {
            grad_scale(m->grads, emb, coef);
        } else {
            for (size_t i = 0; i < m->n_touched; i++)
                grad_scale(m->g.embedding + (size_t)m->touched[i] * E, E, coef);
        }
        grad_scale(m->grads + emb, m->num_floats - emb, coef);
    }
    if (total_norm != NULL)
        *total_norm = total;
    return LSTMSENT_OK;
}

/* ---- parameters by name -------------------------------------------------------------- */

size_t lstmsent_model_param_count(const lstmsent_model *model)
{
    return model == NULL ? 0 : model->n_tensors;
}

size_t lstmsent_model_num_floats(const lstmsent_model *model)
{
    return model == NULL ? 0 : model->num_floats;
}

lstmsent_status lstmsent_model_param_info(const lstmsent_model *model, size_t i,
                                          const char **name, int32_t *ndim, int64_t shape[2],
                                          size_t *numel)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    if (i >= model->n_tensors)
        return lstmsent__fail(LSTMSENT_ERR_INVALID,
                              "param_info: index %zu is not 0..%zu", i, model->n_tensors - 1);
    const tensor_info *t = &model->tensors[i];
    if (name != NULL)
        *name = t->name;
    if (ndim != NULL)
        *ndim = t->ndim;
    if (shape != NULL) {
        shape[0] = t->shape[0];
        shape[1] = t->shape[1];
    }
    if (numel != NULL)
        *numel = t->numel;
    return LSTMSENT_OK;
}

/* The tensor called name, with its length checked against len. */
static lstmsent_status find_tensor(const lstmsent_model *m, const char *name, size_t len,
                                   const char *fn, const tensor_info **out)
{
    for (size_t i = 0; i < m->n_tensors; i++) {
        if (strcmp(m->tensors[i].name, name) == 0) {
            if (len != m->tensors[i].numel)
                return lstmsent__fail(LSTMSENT_ERR_BUFFER,
                                      "%s: '%s' holds %zu floats, the buffer %zu", fn, name,
                                      m->tensors[i].numel, len);
            *out = &m->tensors[i];
            return LSTMSENT_OK;
        }
    }
    return lstmsent__fail(LSTMSENT_ERR_NO_PARAM, "%s: the model has no parameter '%s'", fn,
                          name);
}

/* The body the four by-name accessors share: find the tensor, check the length, copy
 * len floats between the caller's buffer and base (the parameters or the gradients) at
 * the tensor's offset. to_model says which way. */
static lstmsent_status copy_tensor(const lstmsent_model *model, const char *name, float *base,
                                   float *user, size_t len, int to_model, const char *fn,
                                   const tensor_info **out)
{
    const tensor_info *t;
    lstmsent_status st = find_tensor(model, name, len, fn, &t);
    if (st != LSTMSENT_OK)
        return st;
    if (to_model)
        memcpy(base + t->offset, user, len * sizeof(float));
    else
        memcpy(user, base + t->offset, len * sizeof(float));
    if (out != NULL)
        *out = t;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_model_get_param(const lstmsent_model *model, const char *name,
                                         float *dst, size_t len)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(name);
    LSTMSENT__CHECK_NULL(dst);
    return copy_tensor(model, name, model->params, dst, len, 0, "get_param", NULL);
}

lstmsent_status lstmsent_model_set_param(lstmsent_model *model, const char *name,
                                         const float *src, size_t len)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(name);
    LSTMSENT__CHECK_NULL(src);
    lstmsent_status st = copy_tensor(model, name, model->params, (float *)src, len, 1,
                                     "set_param", NULL);
    if (st == LSTMSENT_OK)
        model->params_version++;
    return st;
}

lstmsent_status lstmsent_model_get_grad(const lstmsent_model *model, const char *name,
                                        float *dst, size_t len)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(name);
    LSTMSENT__CHECK_NULL(dst);
    return copy_tensor(model, name, model->grads, dst, len, 0, "get_grad", NULL);
}

lstmsent_status lstmsent_model_set_grad(lstmsent_model *model, const char *name,
                                        const float *src, size_t len)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(name);
    LSTMSENT__CHECK_NULL(src);
    const tensor_info *t;
    lstmsent_status st =
        copy_tensor(model, name, model->grads, (float *)src, len, 1, "set_grad", &t);
    if (st == LSTMSENT_OK && t == &model->tensors[0])
        model->grad_dense = 1;   // any row may now be nonzero
    return st;
}

/* ---- checkpoint accessors (internal.h) ----------------------------------------------- */

void lstmsent__model_get_rng(const lstmsent_model *m, uint64_t state[4])
{
    for (int k = 0; k < 4; k++)
        state[k] = m->dropout_rng.s[k];
}

void lstmsent__model_set_rng(lstmsent_model *m, const uint64_t state[4])
{
    for (int k = 0; k < 4; k++)
        m->dropout_rng.s[k] = state[k];
}

/* Reading parity fixtures and checking a model against them (see fixture.h). Uses the
 * public API only, as a user would. */
#include "fixture.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <lstmsent/lstmsent.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int read_u32(FILE *fp, uint32_t *v)
{
    unsigned char b[4];
    if (fread(b, 1, 4, fp) != 4)
        return 0;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 1;
}

static int read_i64(FILE *fp, int64_t *v)
{
    unsigned char b[8];
    if (fread(b, 1, 8, fp) != 8)
        return 0;
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | b[i];
    *v = (int64_t)u;
    return 1;
}

void fx_free(fx_file *f)
{
    for (size_t i = 0; i < f->count; i++) {
        free(f->t[i].name);
        free(f->t[i].data);
    }
    free(f->t);
    f->t = NULL;
    f->count = 0;
}

/* The data are little-endian 4-byte values, as this machine's floats and ints are (x86,
 * arm64); a big-endian host would need a swap here. */
int fx_load(fx_file *f, const char *path, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return fail(err, errlen, "%s: cannot open", path);
    char magic[4];
    uint32_t version, count;
    if (fread(magic, 1, 4, fp) != 4 || memcmp(magic, "LSTF", 4) != 0 ||
        !read_u32(fp, &version) || version != 1 || !read_u32(fp, &count) || count > 4096) {
        fclose(fp);
        return fail(err, errlen, "%s: not an LSTF version 1 file", path);
    }
    f->t = calloc(count, sizeof *f->t);
    if (f->t == NULL) {
        fclose(fp);
        return fail(err, errlen, "out of memory");
    }
    for (uint32_t i = 0; i < count; i++) {
        fx_tensor *t = &f->t[i];
        f->count = i + 1;
        uint32_t len, dtype, ndim;
        if (!read_u32(fp, &len) || len > 1000 || (t->name = calloc(len + 1, 1)) == NULL ||
            fread(t->name, 1, len, fp) != len || !read_u32(fp, &dtype) || dtype > 1 ||
            !read_u32(fp, &ndim) || ndim > 4)
            goto bad;
        t->dtype = (int)dtype;
        t->ndim = (int)ndim;
        t->n = 1;
        for (uint32_t d = 0; d < ndim; d++) {
            if (!read_i64(fp, &t->dims[d]) || t->dims[d] < 0 || t->dims[d] > (1LL << 40))
                goto bad;
            t->n *= (size_t)t->dims[d];
        }
        t->data = malloc(t->n * 4 + 1);
        if (t->data == NULL || fread(t->data, 4, t->n, fp) != t->n)
            goto bad;
    }
    fclose(fp);
    return 0;
bad:
    fclose(fp);
    fx_free(f);
    return fail(err, errlen, "%s: truncated or malformed", path);
}

const fx_tensor *fx_get(const fx_file *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++) {
        if (strcmp(f->t[i].name, name) == 0)
            return &f->t[i];
    }
    return NULL;
}

/* ---- the comparison ------------------------------------------------------------------ */

static void add_row(parity_report *rep, const char *name, double err, double tol)
{
    if (rep->n >= (int)(sizeof rep->rows / sizeof rep->rows[0]))
        return;
    parity_row *r = &rep->rows[rep->n++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->err = err;
    r->tol = tol;
    if (!(err <= tol))
        rep->failures++;
}

/* max |c - t| / max |t| over n values (absolute when t is all zero). */
static double rel_err(const float *c, const float *t, size_t n)
{
    double diff = 0.0, scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)c[i] - (double)t[i]);
        if (!(d <= diff))
            diff = d;   // NaN sticks
        if (fabs((double)t[i]) > scale)
            scale = fabs((double)t[i]);
    }
    return scale > 0.0 ? diff / scale : diff;
}

static int need(parity_report *rep, const fx_file *f, const char *name, int dtype, size_t n,
                const fx_tensor **out)
{
    const fx_tensor *t = fx_get(f, name);
    if (t == NULL || t->dtype != dtype || (n != 0 && t->n != n)) {
        snprintf(rep->error, sizeof rep->error, "tensor '%s' missing or of the wrong size",
                 name);
        return 0;
    }
    *out = t;
    return 1;
}

/* ||c - t|| / ||t|| over n values (L2; absolute when t is all zero). */
static double rel_l2(const float *c, const float *t, size_t n)
{
    double diff = 0.0, scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)c[i] - (double)t[i];
        diff += d * d;
        scale += (double)t[i] * (double)t[i];
    }
    return scale > 0.0 ? sqrt(diff / scale) : sqrt(diff);
}

/* The C values (rows, cols) laid out as the fixture's tensor fname stores them: all of
 * them, or the rows listed in "fname@rows". A new buffer, or NULL with rep->error. */
static float *gather(parity_report *rep, const fx_file *f, const char *fname, const float *c,
                     int64_t rows, int64_t cols)
{
    char rname[160];
    snprintf(rname, sizeof rname, "%s@rows", fname);
    const fx_tensor *g = fx_get(f, fname), *r = fx_get(f, rname);
    if (g == NULL || g->dtype != 0) {
        snprintf(rep->error, sizeof rep->error, "no tensor '%s' in the fixture", fname);
        return NULL;
    }
    size_t want = r == NULL ? (size_t)(rows * cols) : r->n * (size_t)cols;
    if (g->n != want || (r != NULL && r->dtype != 1)) {
        snprintf(rep->error, sizeof rep->error, "'%s' has the wrong size", fname);
        return NULL;
    }
    float *sub = malloc(g->n * sizeof *sub + 1);
    if (sub == NULL) {
        snprintf(rep->error, sizeof rep->error, "out of memory");
        return NULL;
    }
    if (r == NULL) {
        memcpy(sub, c, g->n * sizeof *sub);
        return sub;
    }
    const int32_t *ri = r->data;
    for (size_t k = 0; k < r->n; k++) {
        if (ri[k] < 0 || ri[k] >= rows) {
            free(sub);
            snprintf(rep->error, sizeof rep->error, "'%s' lists row %d of %lld", rname,
                     (int)ri[k], (long long)rows);
            return NULL;
        }
        memcpy(sub + k * cols, c + (size_t)ri[k] * cols, (size_t)cols * sizeof *sub);
    }
    return sub;
}

/* Compare a C tensor (rows, cols) with the fixture's tensor fname, stored dense or as the
 * rows listed in "fname@rows". With others_zero, every row not listed must be exactly 0
 * (a gradient no batch touches); otherwise the unlisted rows are not compared. */
static int compare_tensor(parity_report *rep, const fx_file *f, const char *fname,
                          const float *c, int64_t rows, int64_t cols, double tol,
                          int others_zero)
{
    char rname[160];
    snprintf(rname, sizeof rname, "%s@rows", fname);
    const fx_tensor *g = fx_get(f, fname), *r = fx_get(f, rname);
    if (g == NULL || g->dtype != 0) {
        snprintf(rep->error, sizeof rep->error, "no tensor '%s' in the fixture", fname);
        return 0;
    }
    if (r == NULL) {
        if (g->n != (size_t)(rows * cols)) {
            snprintf(rep->error, sizeof rep->error, "'%s' has the wrong size", fname);
            return 0;
        }
        add_row(rep, fname, rel_err(c, g->data, g->n), tol);
        return 1;
    }
    const int32_t *ri = r->data;
    if (r->dtype != 1 || g->n != r->n * (size_t)cols) {
        snprintf(rep->error, sizeof rep->error, "'%s' does not match its rows", fname);
        return 0;
    }
    float *sub = malloc(g->n * sizeof *sub + 1);
    unsigned char *listed = calloc((size_t)rows, 1);
    if (sub == NULL || listed == NULL) {
        free(sub);
        free(listed);
        snprintf(rep->error, sizeof rep->error, "out of memory");
        return 0;
    }
    for (size_t k = 0; k < r->n; k++) {
        memcpy(sub + k * cols, c + (size_t)ri[k] * cols, (size_t)cols * sizeof *sub);
        listed[ri[k]] = 1;
    }
    double err = rel_err(sub, g->data, g->n);
    for (int64_t i = 0; others_zero && i < rows; i++) {
        if (listed[i])
            continue;
        for (int64_t j = 0; j < cols; j++) {
            if (c[i * cols + j] != 0.0f)
                err = INFINITY;
        }
    }
    add_row(rep, fname, err, tol);
    free(sub);
    free(listed);
    return 1;
}

/* The model a fixture describes: its config (dropout off), then its weights under the
 * state_dict names, whole or as listed rows (the other rows keep their initial values). */
static int model_from_fixture(parity_report *rep, const fx_file *f, const int32_t *c,
                              lstmsent_model **out)
{
    lstmsent_model *net = NULL;
    float *buf = NULL;
    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, (size_t)c[0] - 1);
    mo.embed_dim = c[1];
    mo.hidden_dim = c[2];
    mo.num_layers = c[3];
    mo.output_size = c[4];
    mo.head = (lstmsent_head)c[7];
    mo.pooling = (lstmsent_pooling)c[8];
    mo.padding_idx = c[9];
    mo.lstm_dropout = 0.0f;   // the fixtures are made with dropout off
    mo.output_dropout = 0.0f;
    if (lstmsent_model_create(&net, &mo) != LSTMSENT_OK) {
        snprintf(rep->error, sizeof rep->error, "model_create: %s", lstmsent_last_error());
        return 0;
    }
    buf = malloc(lstmsent_model_num_floats(net) * sizeof *buf);
    if (buf == NULL) {
        snprintf(rep->error, sizeof rep->error, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < lstmsent_model_param_count(net); i++) {
        const char *name;
        int64_t shape[2];
        size_t n;
        lstmsent_model_param_info(net, i, &name, NULL, shape, &n);
        char rname[96];
        snprintf(rname, sizeof rname, "%s@rows", name);
        const fx_tensor *w = fx_get(f, name), *r = fx_get(f, rname);
        if (w == NULL || w->dtype != 0) {
            snprintf(rep->error, sizeof rep->error, "no weights '%s' in the fixture", name);
            goto fail;
        }
        if (r == NULL) {
            if (lstmsent_model_set_param(net, name, w->data, w->n) != LSTMSENT_OK) {
                snprintf(rep->error, sizeof rep->error, "set_param: %s", lstmsent_last_error());
                goto fail;
            }
            continue;
        }
        const int32_t *ri = r->data;
        if (r->dtype != 1 || w->n != r->n * (size_t)shape[1]) {
            snprintf(rep->error, sizeof rep->error, "'%s' does not match its rows", name);
            goto fail;
        }
        lstmsent_model_get_param(net, name, buf, n);
        for (size_t k = 0; k < r->n; k++)
            memcpy(buf + (size_t)ri[k] * shape[1], (const float *)w->data + k * shape[1],
                   (size_t)shape[1] * sizeof *buf);
        lstmsent_model_set_param(net, name, buf, n);
    }
    free(buf);
    *out = net;
    return 1;
fail:
    free(buf);
    lstmsent_model_free(net);
    return 0;
}

int parity_run(const char *path, parity_report *rep)
{
    memset(rep, 0, sizeof *rep);
    fx_file f;
    if (fx_load(&f, path, rep->error, sizeof rep->error) != 0)
        return -1;
    int ok = 0;
    lstmsent_model *net = NULL;
    lstmsent_hidden *hin = NULL, *hout = NULL;
    float *buf = NULL, *outputs = NULL;

    const fx_tensor *cfg, *ids, *lengths, *labels, *h0, *c0, *out_t, *hn_t, *cn_t, *loss_t;
    if (!need(rep, &f, "config", 1, 10, &cfg))
        goto done;
    const int32_t *c = cfg->data;
    int32_t H = c[2], L = c[3], O = c[4], B = c[5], T = c[6];
    size_t LBH = (size_t)L * B * H;
    if (!need(rep, &f, "ids", 1, (size_t)B * T, &ids) ||
        !need(rep, &f, "lengths", 1, (size_t)B, &lengths) ||
        !need(rep, &f, "labels", 1, (size_t)B, &labels) || !need(rep, &f, "h0", 0, LBH, &h0) ||
        !need(rep, &f, "c0", 0, LBH, &c0) ||
        !need(rep, &f, "outputs", 0, (size_t)B * O, &out_t) ||
        !need(rep, &f, "h_n", 0, LBH, &hn_t) || !need(rep, &f, "c_n", 0, LBH, &cn_t) ||
        !need(rep, &f, "loss", 0, 1, &loss_t))
        goto done;

    if (!model_from_fixture(rep, &f, c, &net))
        goto done;
    buf = malloc(lstmsent_model_num_floats(net) * sizeof *buf);
    outputs = malloc((size_t)B * O * sizeof *outputs);
    if (buf == NULL || outputs == NULL) {
        snprintf(rep->error, sizeof rep->error, "out of memory");
        goto done;
    }
    size_t np = lstmsent_model_param_count(net);

    if (lstmsent_hidden_create(&hin, L, B, H) != LSTMSENT_OK ||
        lstmsent_hidden_create(&hout, L, B, H) != LSTMSENT_OK) {
        snprintf(rep->error, sizeof rep->error, "hidden_create: %s", lstmsent_last_error());
        goto done;
    }
    memcpy(lstmsent_hidden_h(hin), h0->data, LBH * sizeof(float));
    memcpy(lstmsent_hidden_c(hin), c0->data, LBH * sizeof(float));

    float loss;
    if (lstmsent_model_forward(net, ids->data, B, T, lengths->data, hin, outputs,
                               (size_t)B * O, hout) != LSTMSENT_OK ||
        lstmsent_model_loss(net, labels->data, (size_t)B, &loss, NULL) != LSTMSENT_OK ||
        lstmsent_model_backward(net) != LSTMSENT_OK) {
        snprintf(rep->error, sizeof rep->error, "forward/loss/backward: %s",
                 lstmsent_last_error());
        goto done;
    }
    add_row(rep, "outputs", rel_err(outputs, out_t->data, out_t->n), PARITY_TOL_VALUES);
    add_row(rep, "h_n", rel_err(lstmsent_hidden_h(hout), hn_t->data, LBH), PARITY_TOL_VALUES);
    add_row(rep, "c_n", rel_err(lstmsent_hidden_c(hout), cn_t->data, LBH), PARITY_TOL_VALUES);
    add_row(rep, "loss", rel_err(&loss, loss_t->data, 1), PARITY_TOL_VALUES);

    for (size_t i = 0; i < np; i++) {
        const char *name;
        int64_t shape[2];
        size_t n;
        lstmsent_model_param_info(net, i, &name, NULL, shape, &n);
        lstmsent_model_get_grad(net, name, buf, n);
        char gname[112];
        snprintf(gname, sizeof gname, "grad.%s", name);
        if (!compare_tensor(rep, &f, gname, buf, shape[0], shape[1], PARITY_TOL_GRADS, 1))
            goto done;
    }

    /* The same forward in evaluation mode (the model's dropout is 0 here, as PyTorch's
     * net.eval() has it off): its own code path, every layer step by step. */
    if (lstmsent_model_set_training(net, 0) != LSTMSENT_OK ||
        lstmsent_model_forward(net, ids->data, B, T, lengths->data, hin, outputs,
                               (size_t)B * O, hout) != LSTMSENT_OK) {
        snprintf(rep->error, sizeof rep->error, "evaluation forward: %s",
                 lstmsent_last_error());
        goto done;
    }
    add_row(rep, "eval outputs", rel_err(outputs, out_t->data, out_t->n), PARITY_TOL_VALUES);
    add_row(rep, "eval h_n", rel_err(lstmsent_hidden_h(hout), hn_t->data, LBH),
            PARITY_TOL_VALUES);
    add_row(rep, "eval c_n", rel_err(lstmsent_hidden_c(hout), cn_t->data, LBH),
            PARITY_TOL_VALUES);
    ok = 1;

done:
    free(buf);
    free(outputs);
    lstmsent_hidden_free(hin);
    lstmsent_hidden_free(hout);
    lstmsent_model_free(net);
    fx_free(&f);
    return ok ? 0 : -1;
}

/* The double a float32 fixture value was written from (0.01f -> 0.01): PyTorch used the
 * Python doubles, which the fixture format can only store rounded to float. */
static double decimal(float x)
{
    char text[32];
    snprintf(text, sizeof text, "%.7g", (double)x);
    return strtod(text, NULL);
}

/* The training-step fixtures of gen_optim_fixtures.py: K steps of zero_grad, forward (the
 * state carried over), loss, backward, clip and Adam, each compared with PyTorch's loss,
 * gradient norm and every parameter after the step. */
int adam_parity_run(const char *path, parity_report *rep)
{
    memset(rep, 0, sizeof *rep);
    fx_file f;
    if (fx_load(&f, path, rep->error, sizeof rep->error) != 0)
        return -1;
    int ok = 0;
    lstmsent_model *net = NULL;
    lstmsent_optim *adam = NULL;
    lstmsent_hidden *h = NULL;
    float *buf = NULL, *outputs = NULL;

    const fx_tensor *cfg, *hyper, *h0, *c0;
    if (!need(rep, &f, "config", 1, 11, &cfg) || !need(rep, &f, "hyper", 0, 6, &hyper))
        goto done;
    const int32_t *c = cfg->data;
    const float *hp = hyper->data;
    int32_t H = c[2], L = c[3], O = c[4], B = c[5], T = c[6], K = c[10];
    size_t LBH = (size_t)L * B * H;
    if (!need(rep, &f, "h0", 0, LBH, &h0) || !need(rep, &f, "c0", 0, LBH, &c0))
        goto done;
    if (!model_from_fixture(rep, &f, c, &net))
        goto done;
    lstmsent_adam_options ao;
    lstmsent_adam_options_default(&ao);
    ao.lr = decimal(hp[0]);
    ao.beta1 = decimal(hp[1]);
    ao.beta2 = decimal(hp[2]);
    ao.eps = decimal(hp[3]);
    ao.weight_decay = decimal(hp[4]);
    if (lstmsent_optim_create_adam(&adam, net, &ao) != LSTMSENT_OK ||
        lstmsent_hidden_create(&h, L, B, H) != LSTMSENT_OK) {
        snprintf(rep->error, sizeof rep->error, "setup: %s", lstmsent_last_error());
        goto done;
    }
    memcpy(lstmsent_hidden_h(h), h0->data, LBH * sizeof(float));
    memcpy(lstmsent_hidden_c(h), c0->data, LBH * sizeof(float));
    buf = malloc(lstmsent_model_num_floats(net) * sizeof *buf);
    outputs = malloc((size_t)B * O * sizeof *outputs);
    if (buf == NULL || outputs == NULL) {
        snprintf(rep->error, sizeof rep->error, "out of memory");
        goto done;
    }

    for (int32_t k = 0; k < K; k++) {
        char name[64];
        const fx_tensor *ids, *lengths, *labels, *loss_t, *norm_t;
        snprintf(name, sizeof name, "ids%d", (int)k);
        if (!need(rep, &f, name, 1, (size_t)B * T, &ids))
            goto done;
        snprintf(name, sizeof name, "lengths%d", (int)k);
        if (!need(rep, &f, name, 1, (size_t)B, &lengths))
            goto done;
        snprintf(name, sizeof name, "labels%d", (int)k);
        if (!need(rep, &f, name, 1, (size_t)B, &labels))
            goto done;
        snprintf(name, sizeof name, "loss%d", (int)k);
        if (!need(rep, &f, name, 0, 1, &loss_t))
            goto done;
        snprintf(name, sizeof name, "norm%d", (int)k);
        if (!need(rep, &f, name, 0, 1, &norm_t))
            goto done;

        float loss, norm;
        if (lstmsent_optim_zero_grad(adam, net) != LSTMSENT_OK ||
            lstmsent_model_forward(net, ids->data, B, T, lengths->data, h, outputs,
                                   (size_t)B * O, h) != LSTMSENT_OK ||
            lstmsent_model_loss(net, labels->data, (size_t)B, &loss, NULL) != LSTMSENT_OK ||
            lstmsent_model_backward(net) != LSTMSENT_OK ||
            lstmsent_model_clip_grad_norm(net, hp[5], 0, &norm) != LSTMSENT_OK ||
            lstmsent_optim_step(adam, net) != LSTMSENT_OK) {
            snprintf(rep->error, sizeof rep->error, "step %d: %s", (int)k,
                     lstmsent_last_error());
            goto done;
        }
        snprintf(name, sizeof name, "loss%d", (int)k);
        add_row(rep, name, rel_err(&loss, loss_t->data, 1), PARITY_TOL_VALUES);
        snprintf(name, sizeof name, "norm%d", (int)k);
        add_row(rep, name, rel_err(&norm, norm_t->data, 1), PARITY_TOL_VALUES);
        for (size_t i = 0; i < lstmsent_model_param_count(net); i++) {
            const char *pname;
            int64_t shape[2];
            size_t n;
            lstmsent_model_param_info(net, i, &pname, NULL, shape, &n);
            lstmsent_model_get_param(net, pname, buf, n);
            char fname[112], rname[112];
            snprintf(fname, sizeof fname, "step%d.%s", (int)k, pname);
            snprintf(rname, sizeof rname, "ref%d.%s", (int)k, pname);
            const fx_tensor *t32 = fx_get(&f, fname), *t64 = fx_get(&f, rname);
            if (t64 == NULL) {
                if (!compare_tensor(rep, &f, fname, buf, shape[0], shape[1], PARITY_TOL_VALUES,
                                    0))
                    goto done;
                continue;
            }
            /* With a float64 reference (the tutorial config), the judged error is the
             * relative L2 error against that exact answer, within 1e-5 or twice PyTorch's
             * own float32 error, whichever is larger. The max-norm errors are reported but
             * not judged: Adam's first steps are nearly lr * sign(g), so float32 rounding
             * in gradients of size ~eps moves single parameters by up to lr in PyTorch as
             * in C (docs/model.md has the numbers). */
            float *sub = gather(rep, &f, rname, buf, shape[0], shape[1]);
            if (sub == NULL || t32 == NULL || t32->n != t64->n) {
                free(sub);
                if (rep->error[0] == '\0')
                    snprintf(rep->error, sizeof rep->error, "'%s' and '%s' differ", fname,
                             rname);
                goto done;
            }
            double c_l2 = rel_l2(sub, t64->data, t64->n);
            double t_l2 = rel_l2(t32->data, t64->data, t64->n);
            char label[192];
            snprintf(label, sizeof label, "%s max vs pytorch", fname);
            add_row(rep, label, rel_err(sub, t32->data, t32->n), INFINITY);
            snprintf(label, sizeof label, "%s max vs f64 (pytorch)", fname);
            add_row(rep, label, rel_err(sub, t64->data, t64->n), INFINITY);
            rep->rows[rep->n - 1].ref = rel_err(t32->data, t64->data, t64->n);
            snprintf(label, sizeof label, "%s L2 vs f64 (pytorch)", fname);
            add_row(rep, label, c_l2,
                    2.0 * t_l2 > PARITY_TOL_VALUES ? 2.0 * t_l2 : PARITY_TOL_VALUES);
            rep->rows[rep->n - 1].ref = t_l2;
            free(sub);
        }
    }
    ok = 1;

done:
    free(buf);
    free(outputs);
    lstmsent_hidden_free(h);
    lstmsent_optim_free(adam);
    lstmsent_model_free(net);
    fx_free(&f);
    return ok ? 0 : -1;
}

void parity_print(FILE *out, const char *path, const parity_report *rep)
{
    fprintf(out, "%s\n", path);
    if (rep->error[0] != '\0') {
        fprintf(out, "  could not run: %s\n", rep->error);
        return;
    }
    for (int i = 0; i < rep->n; i++) {
        const parity_row *r = &rep->rows[i];
        fprintf(out, "  %-44s %.2e", r->name, r->err);
        if (r->ref > 0.0)
            fprintf(out, "  (pytorch's own: %.2e)", r->ref);
        if (isfinite(r->tol))
            fprintf(out, "  (tolerance %.0e)%s", r->tol, r->err <= r->tol ? "" : "  FAIL");
        fputc('\n', out);
    }
}

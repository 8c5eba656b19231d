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

/* Compare the C gradient (rows, cols) with the fixture's, dense or as rows "@rows". */
static int compare_grad(parity_report *rep, const fx_file *f, const char *pname,
                        const float *c, int64_t rows, int64_t cols)
{
    char gname[96], rname[112];
    snprintf(gname, sizeof gname, "grad.%s", pname);
    snprintf(rname, sizeof rname, "%s@rows", gname);
    const fx_tensor *g = fx_get(f, gname), *r = fx_get(f, rname);
    if (g == NULL || g->dtype != 0) {
        snprintf(rep->error, sizeof rep->error, "no gradient '%s' in the fixture", gname);
        return 0;
    }
    if (r == NULL) {
        if (g->n != (size_t)(rows * cols)) {
            snprintf(rep->error, sizeof rep->error, "'%s' has the wrong size", gname);
            return 0;
        }
        add_row(rep, gname, rel_err(c, g->data, g->n), PARITY_TOL_GRADS);
        return 1;
    }
    /* Sparse: the listed rows compare as a matrix; every other row must be exactly 0. */
    const int32_t *ri = r->data;
    if (r->dtype != 1 || g->n != r->n * (size_t)cols) {
        snprintf(rep->error, sizeof rep->error, "'%s' does not match its rows", gname);
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
    for (int64_t i = 0; i < rows; i++) {
        if (listed[i])
            continue;
        for (int64_t j = 0; j < cols; j++) {
            if (c[i * cols + j] != 0.0f)
                err = INFINITY;
        }
    }
    add_row(rep, gname, err, PARITY_TOL_GRADS);
    free(sub);
    free(listed);
    return 1;
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
    int32_t V = c[0], E = c[1], H = c[2], L = c[3], O = c[4], B = c[5], T = c[6];
    size_t LBH = (size_t)L * B * H;
    if (!need(rep, &f, "ids", 1, (size_t)B * T, &ids) ||
        !need(rep, &f, "lengths", 1, (size_t)B, &lengths) ||
        !need(rep, &f, "labels", 1, (size_t)B, &labels) || !need(rep, &f, "h0", 0, LBH, &h0) ||
        !need(rep, &f, "c0", 0, LBH, &c0) ||
        !need(rep, &f, "outputs", 0, (size_t)B * O, &out_t) ||
        !need(rep, &f, "h_n", 0, LBH, &hn_t) || !need(rep, &f, "c_n", 0, LBH, &cn_t) ||
        !need(rep, &f, "loss", 0, 1, &loss_t))
        goto done;

    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, (size_t)V - 1);
    mo.embed_dim = E;
    mo.hidden_dim = H;
    mo.num_layers = L;
    mo.output_size = O;
    mo.head = (lstmsent_head)c[7];
    mo.pooling = (lstmsent_pooling)c[8];
    mo.padding_idx = c[9];
    mo.lstm_dropout = 0.0f;   // the fixtures are made with dropout off
    mo.output_dropout = 0.0f;
    if (lstmsent_model_create(&net, &mo) != LSTMSENT_OK) {
        snprintf(rep->error, sizeof rep->error, "model_create: %s", lstmsent_last_error());
        goto done;
    }

    /* The weights: whole tensors, or only the listed rows of one. */
    size_t np = lstmsent_model_param_count(net), maxn = 0;
    for (size_t i = 0; i < np; i++) {
        size_t n;
        lstmsent_model_param_info(net, i, NULL, NULL, NULL, &n);
        maxn = n > maxn ? n : maxn;
    }
    buf = malloc(maxn * sizeof *buf);
    outputs = malloc((size_t)B * O * sizeof *outputs);
    if (buf == NULL || outputs == NULL) {
        snprintf(rep->error, sizeof rep->error, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < np; i++) {
        const char *name;
        int64_t shape[2];
        size_t n;
        lstmsent_model_param_info(net, i, &name, NULL, shape, &n);
        char rname[96];
        snprintf(rname, sizeof rname, "%s@rows", name);
        const fx_tensor *w = fx_get(&f, name), *r = fx_get(&f, rname);
        if (w == NULL || w->dtype != 0) {
            snprintf(rep->error, sizeof rep->error, "no weights '%s' in the fixture", name);
            goto done;
        }
        if (r == NULL) {
            if (lstmsent_model_set_param(net, name, w->data, w->n) != LSTMSENT_OK) {
                snprintf(rep->error, sizeof rep->error, "set_param: %s", lstmsent_last_error());
                goto done;
            }
            continue;
        }
        const int32_t *ri = r->data;
        if (r->dtype != 1 || w->n != r->n * (size_t)shape[1]) {
            snprintf(rep->error, sizeof rep->error, "'%s' does not match its rows", name);
            goto done;
        }
        lstmsent_model_get_param(net, name, buf, n);
        for (size_t k = 0; k < r->n; k++)
            memcpy(buf + (size_t)ri[k] * shape[1], (const float *)w->data + k * shape[1],
                   (size_t)shape[1] * sizeof *buf);
        lstmsent_model_set_param(net, name, buf, n);
    }

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
        if (!compare_grad(rep, &f, name, buf, shape[0], shape[1]))
            goto done;
    }
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

void parity_print(FILE *out, const char *path, const parity_report *rep)
{
    fprintf(out, "%s\n", path);
    if (rep->error[0] != '\0') {
        fprintf(out, "  could not run: %s\n", rep->error);
        return;
    }
    for (int i = 0; i < rep->n; i++)
        fprintf(out, "  %-28s %.2e  (tolerance %.0e)%s\n", rep->rows[i].name, rep->rows[i].err,
                rep->rows[i].tol, rep->rows[i].err <= rep->rows[i].tol ? "" : "  FAIL");
}

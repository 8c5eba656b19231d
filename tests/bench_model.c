/* bench_model [STEPS]: the time of one tutorial-size training step of the model alone
 * (zero_grad, forward, loss, backward, clip_grad_norm; no optimizer) with the tutorial's
 * SentimentRNN(16580, 5, 400, 256, 2), B = 32, T = 30, dropout on. Prints ms per step,
 * the median of STEPS (default 10) after one warm-up step. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <lstmsent/lstmsent.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define PARTS 5

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 10;
    if (steps < 1)
        steps = 1;
    enum { B = 32, T = 30 };
    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, 16579);
    lstmsent_model *net;
    lstmsent_hidden *h;
    if (lstmsent_model_create(&net, &mo) != LSTMSENT_OK ||
        lstmsent_model_init_hidden(net, B, &h) != LSTMSENT_OK) {
        fprintf(stderr, "%s\n", lstmsent_last_error());
        return 1;
    }
    static int32_t ids[B * T], labels[B];
    static float out[B * 5];
    unsigned x = 12345;
    for (int i = 0; i < B * T; i++) {
        x = x * 1103515245u + 12345u;
        ids[i] = (int32_t)((x >> 8) % 16580);
    }
    for (int b = 0; b < B; b++)
        labels[b] = b % 5;

    const char *names[PARTS] = {"zero_grad", "forward", "loss", "backward", "clip"};
    double *t = calloc((size_t)(steps + 1) * PARTS, sizeof *t);
    double *total = calloc((size_t)steps + 1, sizeof *total);
    for (int s = 0; s <= steps; s++) {
        double t0 = now_ms();
        lstmsent_model_zero_grad(net);
        double t1 = now_ms();
        lstmsent_model_forward(net, ids, B, T, NULL, h, out, B * 5, h);
        double t2 = now_ms();
        float loss, norm;
        lstmsent_model_loss(net, labels, B, &loss, NULL);
        double t3 = now_ms();
        lstmsent_model_backward(net);
        double t4 = now_ms();
        lstmsent_model_clip_grad_norm(net, 5.0f, 0, &norm);
        double t5 = now_ms();
        double p[PARTS] = {t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4};
        for (int k = 0; k < PARTS; k++)
            t[(size_t)k * (steps + 1) + s] = p[k];
        total[s] = t5 - t0;
    }
    /* Step 0 is the warm-up (it allocates the workspace). */
    qsort(total + 1, (size_t)steps, sizeof *total, cmp_double);
    printf("training step (B=%d, T=%d): %.1f ms median of %d\n", B, T, total[1 + steps / 2],
           steps);
    for (int k = 0; k < PARTS; k++) {
        double *row = t + (size_t)k * (steps + 1) + 1;
        qsort(row, (size_t)steps, sizeof *row, cmp_double);
        printf("  %-10s %7.2f ms\n", names[k], row[steps / 2]);
    }
    free(t);
    free(total);
    lstmsent_hidden_free(h);
    lstmsent_model_free(net);
    return 0;
}

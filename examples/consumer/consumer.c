/*
 * A program outside liblstmsent's tree, as a user writes one: it includes only
 * <lstmsent/lstmsent.h> and is built from the installed library alone, by
 *
 *   cc consumer.c $(pkg-config --cflags --libs lstmsent)                   # shared
 *   cc -static consumer.c $(pkg-config --static --cflags --libs lstmsent)  # static
 *
 * or by meson with liblstmsent as a subproject (meson-subproject/). It reads no file: a
 * corpus of two phrases, a small model, one training step (forward, loss, backward, Adam)
 * and a second forward on the same batch. It prints one line, the same for every way of
 * building it (tests/consumers.sh compares them), and exits 0 when the step lowered the
 * loss.
 */
#include <lstmsent/lstmsent.h>

#include <stdio.h>
#include <string.h>

#define TRY(call)                                                                        \
    do {                                                                                 \
        lstmsent_status s_ = (call);                                                     \
        if (s_ != LSTMSENT_OK) {                                                         \
            fprintf(stderr, "consumer: %s: %s (%s)\n", #call, lstmsent_strerror(s_),     \
                    lstmsent_last_error());                                              \
            goto done;                                                                   \
        }                                                                                \
    } while (0)

int main(void)
{
    static const char *const phrases[] = {
        "A gorgeous , witty , seductive movie .",
        "The movie is dull , lifeless and far too long .",
    };
    static const int32_t labels[] = {4, 0};
    enum { B = 2, T = 12 };

    lstmsent_corpus *corpus = NULL;
    lstmsent_dataset *data = NULL;
    lstmsent_model *net = NULL;
    lstmsent_optim *adam = NULL;
    int status = 1;

    if (lstmsent_version_number() != LSTMSENT_VERSION_NUMBER ||
        strcmp(lstmsent_version_string(), LSTMSENT_VERSION_STRING) != 0) {
        fprintf(stderr, "consumer: header %s, library %s\n", LSTMSENT_VERSION_STRING,
                lstmsent_version_string());
        return 1;
    }
    TRY(lstmsent_set_threads(1));
    TRY(lstmsent_corpus_create(&corpus, phrases, labels, B, NULL));

    lstmsent_dataset_options dopts;
    lstmsent_dataset_options_default(&dopts);
    dopts.seq_len = T;
    TRY(lstmsent_dataset_create(&data, corpus, &dopts));

    /* The tutorial's model, small: no dropout, so that the numbers depend on the seed alone. */
    lstmsent_model_options mopts;
    lstmsent_model_options_default(&mopts, lstmsent_corpus_vocab_size(corpus));
    mopts.embed_dim = 8;
    mopts.hidden_dim = 6;
    mopts.num_layers = 1;
    mopts.lstm_dropout = 0.0f;
    mopts.output_dropout = 0.0f;
    mopts.seq_len = T;
    mopts.seed = 7;
    TRY(lstmsent_model_create(&net, &mopts));

    lstmsent_adam_options aopts;
    lstmsent_adam_options_default(&aopts);
    aopts.lr = 0.01;
    TRY(lstmsent_optim_create_adam(&adam, net, &aopts));

    const int32_t *ids = lstmsent_dataset_ids(data);
    float out[B * 5], before, after, acc, norm;
    TRY(lstmsent_optim_zero_grad(adam, net));
    TRY(lstmsent_model_forward(net, ids, B, T, NULL, NULL, out, B * 5, NULL));
    TRY(lstmsent_model_loss(net, labels, B, &before, &acc));
    TRY(lstmsent_model_backward(net));
    TRY(lstmsent_model_clip_grad_norm(net, 5.0f, 1, &norm));
    TRY(lstmsent_optim_step(adam, net));
    TRY(lstmsent_model_forward(net, ids, B, T, NULL, NULL, out, B * 5, NULL));
    TRY(lstmsent_model_loss(net, labels, B, &after, &acc));

    printf("liblstmsent %s: %zu phrases, %zu words, %zu parameters, loss %.6f -> %.6f after "
           "%lld step\n",
           lstmsent_version_string(), lstmsent_corpus_phrase_count(corpus),
           lstmsent_corpus_vocab_size(corpus), lstmsent_model_num_floats(net), before, after,
           (long long)lstmsent_optim_step_count(adam));
    if (!(after < before))
        fprintf(stderr, "consumer: the step did not lower the loss\n");
    else
        status = 0;
done:
    lstmsent_optim_free(adam);
    lstmsent_model_free(net);
    lstmsent_dataset_free(data);
    lstmsent_corpus_free(corpus);
    return status;
}

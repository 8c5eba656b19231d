/* Prints the size and every field offset of the public structs as JSON, so that
 * python/tests/test_abi.py can check the ctypes Structures in lstmsent/_lib.py against
 * what the compiler lays out from <lstmsent/lstmsent.h>. */
#include <stddef.h>
#include <stdio.h>

#include <lstmsent/lstmsent.h>

#define FIELD(s, f) printf("%s\"%s\": %zu", first++ ? ", " : "", #f, offsetof(s, f))
#define BEGIN(s) do { first = 0; printf("%s\"%s\": {\"size\": %zu, \"fields\": {", \
                                        nstruct++ ? ", " : "", #s, sizeof(s)); } while (0)
#define END() printf("}}")

int main(void)
{
    int first, nstruct = 0;
    printf("{");
    BEGIN(lstmsent_corpus_options);
    FIELD(lstmsent_corpus_options, vocabulary); FIELD(lstmsent_corpus_options, unknown);
    FIELD(lstmsent_corpus_options, min_count);
    END();
    BEGIN(lstmsent_dataset_options);
    FIELD(lstmsent_dataset_options, seq_len); FIELD(lstmsent_dataset_options, padding);
    FIELD(lstmsent_dataset_options, truncation);
    END();
    BEGIN(lstmsent_model_options);
    FIELD(lstmsent_model_options, num_embeddings); FIELD(lstmsent_model_options, embed_dim);
    FIELD(lstmsent_model_options, hidden_dim); FIELD(lstmsent_model_options, num_layers);
    FIELD(lstmsent_model_options, output_size); FIELD(lstmsent_model_options, lstm_dropout);
    FIELD(lstmsent_model_options, output_dropout); FIELD(lstmsent_model_options, head);
    FIELD(lstmsent_model_options, pooling); FIELD(lstmsent_model_options, padding_idx);
    FIELD(lstmsent_model_options, seed); FIELD(lstmsent_model_options, seq_len);
    END();
    BEGIN(lstmsent_adam_options);
    FIELD(lstmsent_adam_options, lr); FIELD(lstmsent_adam_options, beta1);
    FIELD(lstmsent_adam_options, beta2); FIELD(lstmsent_adam_options, eps);
    FIELD(lstmsent_adam_options, weight_decay);
    END();
    BEGIN(lstmsent_load_options);
    FIELD(lstmsent_load_options, allow_unknown_tensors);
    FIELD(lstmsent_load_options, reject_nonfinite);
    END();
    BEGIN(lstmsent_eval_result);
    FIELD(lstmsent_eval_result, phrases); FIELD(lstmsent_eval_result, sentences);
    FIELD(lstmsent_eval_result, num_classes); FIELD(lstmsent_eval_result, loss);
    FIELD(lstmsent_eval_result, accuracy); FIELD(lstmsent_eval_result, sentence_accuracy);
    FIELD(lstmsent_eval_result, macro_f1); FIELD(lstmsent_eval_result, precision);
    FIELD(lstmsent_eval_result, recall); FIELD(lstmsent_eval_result, f1);
    FIELD(lstmsent_eval_result, support); FIELD(lstmsent_eval_result, confusion);
    FIELD(lstmsent_eval_result, sentence_confusion);
    END();
    printf(", \"max_classes\": %d, \"version_number\": %u}\n", LSTMSENT_MAX_CLASSES,
           (unsigned)LSTMSENT_VERSION_NUMBER);
    return 0;
}

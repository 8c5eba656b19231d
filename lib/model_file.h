/*
 * Model files and checkpoints on top of the safetensors reader (model_file.c): the
 * loaders on a file already parsed, so that a fuzz target can feed them bytes from memory
 * and the public calls only add the reading of the file. Internal (lstmsent__*).
 */
#ifndef LSTMSENT_MODEL_FILE_H
#define LSTMSENT_MODEL_FILE_H

#include "internal.h"
#include "safetensors.h"

/* The metadata values of the format (docs/model-files.md). */
#define LSTMSENT__FORMAT_MODEL "lstmsent-model"
#define LSTMSENT__FORMAT_CHECKPOINT "lstmsent-checkpoint"
#define LSTMSENT__FORMAT_VERSION "1"

/* lstmsent_model_load on a parsed file; source names it in messages (the path). */
lstmsent_status lstmsent__model_from_st(lstmsent_model **out, lstmsent_corpus **vocab_out,
                                        const lstmsent__st_file *file, const char *source,
                                        const lstmsent_load_options *opts);

/* lstmsent_checkpoint_load on a parsed file. */
lstmsent_status lstmsent__checkpoint_from_st(const lstmsent__st_file *file, const char *source,
                                             lstmsent_model *model, lstmsent_optim *optim,
                                             lstmsent_sampler *sampler, int64_t *epoch,
                                             int64_t *step);

/* FNV-1a 64 of the vocabulary text as 16 lowercase hex digits and a NUL. */
void lstmsent__vocab_digest(const char *text, size_t len, char out[17]);

#endif /* LSTMSENT_MODEL_FILE_H */

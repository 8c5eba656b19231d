/* autopkgtest liblstmsent-dev: a program built with the installed header and pkg-config
 * file runs against the installed library, whose version is the header's. */
#include <lstmsent/lstmsent.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    const char *phrases[] = {"A gorgeous , witty , seductive movie .", "A dull mess ."};
    const int32_t labels[] = {4, 0};
    lstmsent_corpus *corpus = NULL;
    int32_t id = 0;

    if (lstmsent_version_number() != LSTMSENT_VERSION_NUMBER ||
        strcmp(lstmsent_version_string(), LSTMSENT_VERSION_STRING) != 0) {
        fprintf(stderr, "header %s, library %s\n", LSTMSENT_VERSION_STRING,
                lstmsent_version_string());
        return 1;
    }
    if (lstmsent_corpus_create(&corpus, phrases, labels, 2, NULL) != LSTMSENT_OK) {
        fprintf(stderr, "lstmsent_corpus_create: %s\n", lstmsent_last_error());
        return 1;
    }
    /* Lower-cased as Python's str.lower(); "a", "," and "." occur twice each, and equal
     * counts keep their first occurrence's order (Python's stable sort of a Counter). */
    if (lstmsent_corpus_vocab_size(corpus) != 9 ||
        lstmsent_corpus_word_id(corpus, "a", &id) != LSTMSENT_OK || id != 1 ||
        lstmsent_corpus_word_id(corpus, ".", &id) != LSTMSENT_OK || id != 3 ||
        lstmsent_corpus_word_id(corpus, "nope", &id) == LSTMSENT_OK) {
        fprintf(stderr, "unexpected vocabulary\n");
        return 1;
    }
    lstmsent_corpus_free(corpus);
    lstmsent_corpus_free(NULL);
    printf("liblstmsent %s: OK\n", lstmsent_version_string());
    return 0;
}

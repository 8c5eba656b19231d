/* The public header compiles as strict C99 (-std=c99 -pedantic-errors -Werror). */
#include <lstmsent/lstmsent.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    if (lstmsent_strerror(LSTMSENT_OK)[0] == '\0')
        return 1;
    if (lstmsent_version_number() != LSTMSENT_VERSION_NUMBER ||
        strcmp(lstmsent_version_string(), LSTMSENT_VERSION_STRING) != 0) {
        fprintf(stderr, "header says %s, library says %s\n", LSTMSENT_VERSION_STRING,
                lstmsent_version_string());
        return 1;
    }
    return 0;
}

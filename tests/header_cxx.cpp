// The public header compiles as C++ (-std=c++11 -pedantic-errors -Werror) and links.
#include <lstmsent/lstmsent.h>

#include <cstdio>
#include <cstring>

int main()
{
    if (lstmsent_strerror(LSTMSENT_OK)[0] == '\0')
        return 1;
    if (lstmsent_version_number() != LSTMSENT_VERSION_NUMBER ||
        std::strcmp(lstmsent_version_string(), LSTMSENT_VERSION_STRING) != 0) {
        std::fprintf(stderr, "header and library versions differ\n");
        return 1;
    }
    return 0;
}

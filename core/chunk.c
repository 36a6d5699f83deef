// chunk.c: see chunk.h.
#include "chunk.h"

size_t chunk_count(size_t n, size_t max)
{
    return n / max + (n % max != 0);
}

void chunk_get(size_t n, size_t max, size_t k, size_t *offset, size_t *len)
{
    size_t count = chunk_count(n, max);
    if (k >= count) {
        *offset = n;
        *len = 0;
        return;
    }
    size_t first = n - max * (count - 1); // the remainder chunk, 1..max elements
    if (k == 0) {
        *offset = 0;
        *len = first;
    } else {
        *offset = first + (k - 1) * max;
        *len = max;
    }
}

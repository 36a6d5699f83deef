// chunk.h: how a flat buffer of n elements is cut into messages of at most `max` elements, in
// HeAT's order. If n <= max it travels as one chunk; otherwise as k = ceil(n / max) chunks with the
// REMAINDER CHUNK FIRST: sizes [n - max * (k - 1), max, max, ...]. n == 0 gives no chunk.
//
// Usage:
//     for (size_t k = 0; k < chunk_count(n, max); k++) {
//         size_t off, len;
//         chunk_get(n, max, k, &off, &len);
//         ... send buf[off .. off + len) ...
//     }
// max must be >= 1; the caller validates it (these functions do not check, a max of 0 divides by
// zero).
#ifndef DASO_CHUNK_H
#define DASO_CHUNK_H

#include <stddef.h> // size_t

// Number of chunks: 0 for n == 0, else ceil(n / max), exact for every n (no overflow near
// SIZE_MAX).
size_t chunk_count(size_t n, size_t max);

// Offset and length of the k-th chunk (0-based, k < chunk_count(n, max)). For k past the last
// chunk it reports the empty range *offset = n, *len = 0.
void chunk_get(size_t n, size_t max, size_t k, size_t *offset, size_t *len);

#endif

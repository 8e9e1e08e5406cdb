// xxHash (Debian's libxxhash-dev), header-only: XXH_INLINE_ALL inlines it, so nothing new is
// linked. GCC 12 warns falsely on the AVX-512 intrinsics it inlines (GCC PR 105593, fixed in 13).
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#define XXH_INLINE_ALL
#include <xxhash.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

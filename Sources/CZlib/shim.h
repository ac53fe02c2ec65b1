#ifndef SUMMARIZER_CZLIB_SHIM_H
#define SUMMARIZER_CZLIB_SHIM_H

#include <zlib.h>

// inflateInit2 is a macro that Swift cannot import: it passes the library's version and the
// stream's size so zlib can check them.
static inline int summarizer_inflateInit2(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

#endif

#ifndef SUMMARIZER_PARSE_ARENA_H
#define SUMMARIZER_PARSE_ARENA_H

#include <stddef.h>

/// A bump allocator for the blocks libxml2 allocates while it parses one document.
///
/// Every block, from an arena or from the C heap, carries a 16-byte header that says which,
/// so that one set of functions can be given to `xmlMemSetup` for the whole process: blocks of
/// up to 64 KiB allocated while the calling thread has entered an arena come from that arena
/// and their `free` does nothing; every other block comes from `malloc` and goes back with
/// `free`.
typedef struct summarizer_parse_arena summarizer_parse_arena;

summarizer_parse_arena *summarizer_parse_arena_create(void);
/// Releases the arena's memory: no block allocated from it may be used afterwards.
void summarizer_parse_arena_destroy(summarizer_parse_arena *arena);
/// Makes `arena` (or none, with NULL) the calling thread's arena; returns the one it replaces.
summarizer_parse_arena *summarizer_parse_arena_enter(summarizer_parse_arena *arena);
/// Bytes the arena holds from the heap.
size_t summarizer_parse_arena_reserved(const summarizer_parse_arena *arena);
/// Chunks of destroyed arenas the calling thread keeps for its next ones (at most four).
int summarizer_parse_arena_spare_chunks(void);

void *summarizer_parse_arena_malloc(size_t size);
void *summarizer_parse_arena_realloc(void *block, size_t size);
void summarizer_parse_arena_free(void *block);
char *summarizer_parse_arena_strdup(const char *string);

#endif

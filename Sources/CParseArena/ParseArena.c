#include "ParseArena.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Blocks larger than this go to the heap even inside an arena: they are few (input buffers,
// grown text buffers), and realloc on the heap grows them without leaving copies behind.
#define LARGE_BLOCK ((size_t)65536)
#define CHUNK_SIZE ((size_t)1048576)

// The second word of a header says where its block came from. A block libxml2 allocated before
// these functions were installed has no header of ours: glibc keeps the chunk's size in that
// word, which can never equal these values, so such a block goes straight back to `free`.
#define FROM_HEAP ((uint64_t)0xC0FFEE5EEDF00D01u)
#define FROM_ARENA ((uint64_t)0xC0FFEE5EEDF00D02u)

typedef struct {
    size_t size;
    uint64_t source;
} header;

typedef struct chunk {
    struct chunk *next;
    size_t size;
} chunk;

struct summarizer_parse_arena {
    chunk *chunks;
    char *cursor;
    char *limit;
    char *last;  // the most recent block's header, which can grow in place
    size_t reserved;
};

_Static_assert(sizeof(header) == 16, "headers keep blocks 16-byte aligned");
_Static_assert(sizeof(chunk) == 16, "chunk headers keep blocks 16-byte aligned");

static _Thread_local summarizer_parse_arena *current;

// Each thread keeps a few chunks of released arenas for the next document: a fresh chunk from
// malloc was fresh pages from the kernel each time (138,000 page faults in three passes over
// the WCXB pages, 13,400 with spares; p99 a page fell from about 20 to 17 ms). The key's
// destructor frees them when the thread ends.
#define SPARE_CHUNKS 4

typedef struct {
    chunk *chunks;
    int count;
} spares;

static pthread_key_t spares_key;
static pthread_once_t spares_once = PTHREAD_ONCE_INIT;

static void spares_release(void *value) {
    spares *kept = value;
    while (kept->chunks != NULL) {
        chunk *next = kept->chunks->next;
        free(kept->chunks);
        kept->chunks = next;
    }
    free(kept);
}

static void spares_make_key(void) { pthread_key_create(&spares_key, spares_release); }

static spares *thread_spares(void) {
    pthread_once(&spares_once, spares_make_key);
    spares *kept = pthread_getspecific(spares_key);
    if (kept == NULL) {
        kept = calloc(1, sizeof(spares));
        if (kept == NULL || pthread_setspecific(spares_key, kept) != 0) {
            free(kept);
            return NULL;
        }
    }
    return kept;
}

static size_t rounded(size_t size) { return (size + 15) & ~(size_t)15; }

summarizer_parse_arena *summarizer_parse_arena_create(void) {
    return calloc(1, sizeof(summarizer_parse_arena));
}

void summarizer_parse_arena_destroy(summarizer_parse_arena *arena) {
    if (arena == NULL) return;
    spares *kept = arena->chunks != NULL ? thread_spares() : NULL;
    chunk *c = arena->chunks;
    while (c != NULL) {
        chunk *next = c->next;
        if (kept != NULL && kept->count < SPARE_CHUNKS && c->size == CHUNK_SIZE - sizeof(chunk)) {
            c->next = kept->chunks;
            kept->chunks = c;
            kept->count += 1;
        } else {
            free(c);
        }
        c = next;
    }
    free(arena);
}

summarizer_parse_arena *summarizer_parse_arena_enter(summarizer_parse_arena *arena) {
    summarizer_parse_arena *previous = current;
    current = arena;
    return previous;
}

int summarizer_parse_arena_spare_chunks(void) {
    pthread_once(&spares_once, spares_make_key);
    const spares *kept = pthread_getspecific(spares_key);
    return kept == NULL ? 0 : kept->count;
}

size_t summarizer_parse_arena_reserved(const summarizer_parse_arena *arena) {
    return arena == NULL ? 0 : arena->reserved;
}

static void *heap_block(size_t size) {
    if (size > SIZE_MAX - sizeof(header)) return NULL;
    header *h = malloc(sizeof(header) + size);
    if (h == NULL) return NULL;
    h->size = size;
    h->source = FROM_HEAP;
    return h + 1;
}

static void *arena_block(summarizer_parse_arena *arena, size_t size) {
    size_t need = sizeof(header) + rounded(size);
    if ((size_t)(arena->limit - arena->cursor) < need) {
        size_t capacity = need > CHUNK_SIZE - sizeof(chunk) ? need : CHUNK_SIZE - sizeof(chunk);
        chunk *c = NULL;
        if (capacity == CHUNK_SIZE - sizeof(chunk)) {
            spares *kept = thread_spares();
            if (kept != NULL && kept->chunks != NULL) {
                c = kept->chunks;
                kept->chunks = c->next;
                kept->count -= 1;
            }
        }
        if (c == NULL) c = malloc(sizeof(chunk) + capacity);
        if (c == NULL) return NULL;
        c->next = arena->chunks;
        c->size = capacity;
        arena->chunks = c;
        arena->reserved += sizeof(chunk) + capacity;
        arena->cursor = (char *)(c + 1);
        arena->limit = arena->cursor + capacity;
    }
    header *h = (header *)arena->cursor;
    arena->cursor += need;
    arena->last = (char *)h;
    h->size = size;
    h->source = FROM_ARENA;
    return h + 1;
}

void *summarizer_parse_arena_malloc(size_t size) {
    summarizer_parse_arena *arena = current;
    if (arena == NULL || size > LARGE_BLOCK) return heap_block(size);
    return arena_block(arena, size);
}

void summarizer_parse_arena_free(void *block) {
    if (block == NULL) return;
    header *h = (header *)block - 1;
    if (h->source == FROM_HEAP) {
        free(h);
    } else if (h->source != FROM_ARENA) {
        free(block);
    }
    // An arena's blocks go back all at once, when the arena is destroyed.
}

void *summarizer_parse_arena_realloc(void *block, size_t size) {
    if (block == NULL) return summarizer_parse_arena_malloc(size);
    header *h = (header *)block - 1;
    if (h->source == FROM_HEAP) {
        if (size > SIZE_MAX - sizeof(header)) return NULL;
        header *moved = realloc(h, sizeof(header) + size);
        if (moved == NULL) return NULL;
        moved->size = size;
        return moved + 1;
    }
    if (h->source != FROM_ARENA) return realloc(block, size);
    summarizer_parse_arena *arena = current;
    // The newest block of the calling thread's arena grows where it is when there is room.
    if (arena != NULL && arena->last == (char *)h && size <= LARGE_BLOCK
        && (size_t)(arena->limit - (char *)block) >= rounded(size)) {
        arena->cursor = (char *)block + rounded(size);
        h->size = size;
        return block;
    }
    if (size <= h->size) {
        h->size = size;
        return block;
    }
    void *moved = summarizer_parse_arena_malloc(size);
    if (moved == NULL) return NULL;
    memcpy(moved, block, h->size);
    return moved;
}

char *summarizer_parse_arena_strdup(const char *string) {
    if (string == NULL) return NULL;
    size_t length = strlen(string);
    char *copy = summarizer_parse_arena_malloc(length + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, string, length + 1);
    return copy;
}

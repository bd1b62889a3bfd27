/* Sixteen characters at a time: lower-case ASCII letters and keep only some bytes.
 *
 * The sketch's squeeze (_c/sketch.c) and the answer digest's normalisation
 * (_c/digest.c) each walk a conversation's text a byte at a time: a table lookup, a
 * store and an add per byte, the largest share of a plain chat line's quality pass.
 * With SSSE3 (every x86-64 CPU since 2008; checked when the module loads) a block of
 * 16 bytes is lowered and tested with a few vector compares, and the bytes kept are
 * packed with one shuffle per half, whose control comes from a table of the 256
 * masks of eight bytes. Elsewhere (another CPU, another compiler) ``compact_blocks``
 * returns 0 and the byte loops do everything, with the same result: the tests hold
 * each loop equal to its Python reference on any text, long ASCII runs included.
 */
#ifndef JSONL_GUARD_COMPACT_H
#define JSONL_GUARD_COMPACT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What a block keeps: the squeeze keeps ASCII letters and digits (and hands a block
 * with any byte above 127 back to its byte loop, which writes it as UTF-8); the digest
 * keeps every byte but ASCII whitespace (a Latin-1 byte as it is). */
#define KEEP_ALNUM 1
#define KEEP_NOT_SPACE 2

/* Bytes a caller's output buffer needs past its last kept byte: a half is stored as
 * eight bytes, however many of them it keeps. */
#define COMPACT_SLACK 16

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

static uint64_t compact_shuffle[256]; /* per 8-bit keep mask: the kept indexes, packed */
static unsigned char compact_count[256];
static int compact_ready;

static void compact_init(void) {
    for (int mask = 0; mask < 256; mask++) {
        uint64_t control = 0x8080808080808080ULL; /* 0x80: a zero byte (never read) */
        int kept = 0;
        for (int bit = 0; bit < 8; bit++)
            if (mask & (1 << bit)) {
                control &= ~((uint64_t)0xFF << (8 * kept));
                control |= (uint64_t)bit << (8 * kept);
                kept++;
            }
        compact_shuffle[mask] = control;
        compact_count[mask] = (unsigned char)kept;
    }
    __builtin_cpu_init();
    /* JSONL_GUARD_NO_VECTOR: the byte loops alone (a test compares the two). */
    compact_ready = __builtin_cpu_supports("ssse3") && getenv("JSONL_GUARD_NO_VECTOR") == NULL;
}

/* Lowers and packs the blocks of src[0:n] (whole blocks of 16 only) into out, as the
 * byte loops would; returns the bytes of src read, and adds the bytes written to
 * ``*written``. With KEEP_ALNUM it stops before a block holding a byte above 127. */
__attribute__((target("ssse3"))) static Py_ssize_t compact_run(const unsigned char *src,
                                                                Py_ssize_t n, unsigned char *out,
                                                                Py_ssize_t *written, int keep) {
    const __m128i a = _mm_set1_epi8('A'), z25 = _mm_set1_epi8(25), bit5 = _mm_set1_epi8(0x20);
    const __m128i lower_a = _mm_set1_epi8('a'), zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
    const __m128i space = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), four = _mm_set1_epi8(4);
    Py_ssize_t i = 0, w = *written;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(src + i));
        __m128i t = _mm_sub_epi8(v, a);
        __m128i upper = _mm_cmpeq_epi8(_mm_min_epu8(t, z25), t);
        __m128i low = _mm_or_si128(v, _mm_and_si128(upper, bit5));
        unsigned mask;
        if (keep == KEEP_ALNUM) {
            if (_mm_movemask_epi8(v) != 0) break; /* a byte above 127: the byte loop's */
            __m128i d = _mm_sub_epi8(v, zero), l = _mm_sub_epi8(low, lower_a);
            __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);
            __m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(l, z25), l);
            mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(digit, letter));
        } else {
            __m128i c = _mm_sub_epi8(v, tab);
            __m128i blank =
                _mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(_mm_min_epu8(c, four), c));
            mask = (unsigned)_mm_movemask_epi8(blank) ^ 0xFFFFu;
        }
        __m128i control = _mm_set_epi64x((long long)(compact_shuffle[mask >> 8]),
                                         (long long)compact_shuffle[mask & 0xFF]);
        /* The high half's indexes point into the high half (a zero byte stays zero:
         * 0x80 + 8 still has its top bit set). */
        control = _mm_add_epi8(control, _mm_set_epi64x(0x0808080808080808LL, 0));
        __m128i packed = _mm_shuffle_epi8(low, control);
        _mm_storel_epi64((__m128i *)(out + w), packed);
        w += compact_count[mask & 0xFF];
        _mm_storel_epi64((__m128i *)(out + w), _mm_unpackhi_epi64(packed, packed));
        w += compact_count[mask >> 8];
    }
    *written = w;
    return i;
}

/* How many bytes of p[0:n] are ``b`` (SSE2, which every x86-64 CPU has: byte
 * counters, summed before they can wrap). */
static inline Py_ssize_t count_byte(const unsigned char *p, Py_ssize_t n, unsigned char b) {
    const __m128i wanted = _mm_set1_epi8((char)b), none = _mm_setzero_si128();
    Py_ssize_t count = 0, i = 0;
    while (i + 16 <= n) {
        __m128i counters = none;
        for (int turns = 0; turns < 255 && i + 16 <= n; turns++, i += 16)
            counters = _mm_sub_epi8(
                counters, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), wanted));
        __m128i sums = _mm_sad_epu8(counters, none);
        count += _mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4);
    }
    for (; i < n; i++) count += p[i] == b;
    return count;
}

/* 1 when ``compact_blocks`` packs (SSSE3, and JSONL_GUARD_NO_VECTOR unset). */
static inline int compact_active(void) { return compact_ready; }

/* ``compact_run`` where the CPU has SSSE3, else nothing read. */
static inline Py_ssize_t compact_blocks(const unsigned char *src, Py_ssize_t n,
                                        unsigned char *out, Py_ssize_t *written, int keep) {
    return compact_ready && n >= 16 ? compact_run(src, n, out, written, keep) : 0;
}

#else /* no vector path: the byte loops do it all */

static void compact_init(void) {}

static inline int compact_active(void) { return 0; }

static inline Py_ssize_t compact_blocks(const unsigned char *src, Py_ssize_t n,
                                        unsigned char *out, Py_ssize_t *written, int keep) {
    (void)src, (void)n, (void)out, (void)written, (void)keep;
    return 0;
}

static inline Py_ssize_t count_byte(const unsigned char *p, Py_ssize_t n, unsigned char b) {
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < n; i++) count += p[i] == b;
    return count;
}

#endif
#endif

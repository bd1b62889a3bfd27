/* The near-duplicate sketch of engine/minhash.py in one C pass.
 *
 * minhash.sketch is the reference: this computes the same K values from the same
 * UTF-8 bytes (squeeze, anchored windows or word pairs, CRC-32, bottom-k), and
 * tests/test_minhash_native.py and tests/test_chat_native.py hold the two equal on
 * generated and real texts. The Python version costs ~30 us a conversation in a dozen
 * C calls with a Python object per window; this walks the characters once, without
 * objects, and takes the conversation's texts as they are (no joined copy).
 */
#include "sketch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compact.h"
#include "utf8.h"

#define EMPTY 0xFFFFFFFFu
#define UPPER 0x80000000u
/* A conversation of up to this many UTF-8 bytes (most of them) is sketched in
 * buffers on the stack: no allocation per example. */
#define STACK_BYTES 4096

/* CRC-32 by slicing-by-8: crc_table[k][b] is the CRC of b followed by k zero bytes, so
 * eight bytes are folded in with eight independent lookups. Byte at a time, each
 * lookup waits for the one before (a load, a shift and an xor a byte): the windows'
 * CRCs were then the slowest part of a sketch. */
static uint32_t crc_table[8][256];
static unsigned char normal[256]; /* ASCII lower-cased; punctuation, space, controls: ' ' */
static unsigned char kept[256]; /* 0: squeeze drops the byte (normal[byte] == ' '), else 1 */

void sketch_init(void) {
    compact_init();
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[0][n] = c;
        unsigned char b = (unsigned char)n;
        int alnum = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
        normal[n] = b;
        kept[n] = 1;
        if (b >= 'A' && b <= 'Z') normal[n] = b + 32;
        else if (b < 128 && !alnum) { normal[n] = ' '; kept[n] = 0; }
    }
    for (int k = 1; k < 8; k++)
        for (int n = 0; n < 256; n++) {
            uint32_t c = crc_table[k - 1][n];
            crc_table[k][n] = (c >> 8) ^ crc_table[0][c & 0xFF];
        }
}

int sketch_vector(void) { return compact_active(); }

/* zlib.crc32(data, start): the CRC of what ``start`` was the CRC of, then data. The
 * words are put together from bytes, little-endian whatever the machine's order (a
 * compiler makes one load of it where it can). */
static uint32_t crc32_from(uint32_t start, const unsigned char *p, Py_ssize_t n) {
    uint32_t c = start ^ 0xFFFFFFFFu;
    for (; n >= 8; p += 8, n -= 8) {
        uint32_t one = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                            (uint32_t)p[3] << 24);
        uint32_t two =
            (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        c = crc_table[7][one & 0xFF] ^ crc_table[6][(one >> 8) & 0xFF] ^
            crc_table[5][(one >> 16) & 0xFF] ^ crc_table[4][one >> 24] ^
            crc_table[3][two & 0xFF] ^ crc_table[2][(two >> 8) & 0xFF] ^
            crc_table[1][(two >> 16) & 0xFF] ^ crc_table[0][two >> 24];
    }
    for (Py_ssize_t i = 0; i < n; i++) c = crc_table[0][(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static int compare(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts values[0:n], drops repeats; returns how many distinct values remain. */
static Py_ssize_t sort_unique(uint32_t *values, Py_ssize_t n) {
    if (n == 0) return 0;
    if (n <= 64) { /* most conversations: insertion sort beats qsort's calls */
        for (Py_ssize_t i = 1; i < n; i++) {
            uint32_t v = values[i];
            Py_ssize_t j = i;
            for (; j > 0 && values[j - 1] > v; j--) values[j] = values[j - 1];
            values[j] = v;
        }
    } else {
        qsort(values, (size_t)n, sizeof(uint32_t), compare);
    }
    Py_ssize_t kept = 1;
    for (Py_ssize_t i = 1; i < n; i++)
        if (values[i] != values[kept - 1]) values[kept++] = values[i];
    return kept;
}

/* Appends the CRC of each piece between anchors (at most ``width`` bytes of it), or'd
 * with ``flag`` and shifted right by ``shift``, as minhash._windows and _head do. */
static Py_ssize_t pieces(const unsigned char *s, Py_ssize_t n, unsigned char anchor,
                         Py_ssize_t width, int shift, uint32_t flag, uint32_t *out) {
    Py_ssize_t count = 0;
    const unsigned char *start = s, *end = s + n;
    for (;;) { /* memchr: anchors are one byte in forty */
        const unsigned char *next = memchr(start, anchor, (size_t)(end - start));
        Py_ssize_t len = (next == NULL ? end : next) - start;
        out[count++] = (crc32_from(0, start, len < width ? len : width) >> shift) | flag;
        if (next == NULL) return count;
        start = next + 1;
    }
}

/* minhash._pairs(words.split()) of normalised bytes: the chained CRC of neighbours. */
static Py_ssize_t word_pairs(const unsigned char *words, Py_ssize_t n, uint32_t *out) {
    Py_ssize_t count = 0, i = 0;
    uint32_t previous = 0;
    int have_previous = 0;
    while (i < n) {
        while (i < n && words[i] == ' ') i++;
        Py_ssize_t start = i;
        while (i < n && words[i] != ' ') i++;
        if (i == start) break;
        uint32_t mine = crc32_from(0, words + start, i - start);
        if (have_previous) out[count++] = crc32_from(previous, words + start, i - start);
        previous = mine;
        have_previous = 1;
    }
    return count;
}

/* Appends minhash.squeeze(text) to ``out``, counting its "e"s in ``*es``. A character
 * above 127 is written as its UTF-8 bytes, none of which a squeeze drops or reads as
 * an anchor; ASCII goes through the tables, branch-free (a space is one byte in six).
 * The "e"s are counted afterwards, 16 bytes at a time (``count_byte``). */
static Py_ssize_t squeeze_into(PyObject *text, unsigned char *out, Py_ssize_t *es) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), squeezed = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (kind == PyUnicode_1BYTE_KIND) { /* most text: its own loop, no kind per read */
        const Py_UCS1 *chars = data;
        for (Py_ssize_t i = 0; i < n;) {
            /* Blocks of ASCII a vector at a time; then, byte by byte, the block that
             * stopped them (a character above 127) or the text's last bytes. */
            i += compact_blocks(chars + i, n - i, out, &squeezed, KEEP_ALNUM);
            for (Py_ssize_t stop = i + 16 < n ? i + 16 : n; i < stop; i++) {
                Py_UCS1 c = chars[i];
                if (c < 0x80) {
                    out[squeezed] = normal[c];
                    squeezed += kept[c];
                } else {
                    squeezed += put_utf8(out + squeezed, c);
                }
            }
        }
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c < 0x80) {
                out[squeezed] = normal[c];
                squeezed += kept[c];
            } else {
                squeezed += put_utf8(out + squeezed, c);
            }
        }
    }
    *es += count_byte(out, squeezed, HEAD_ANCHOR);
    return squeezed;
}

/* Appends minhash.normalise(text) (spaces kept: word pairs split on them). */
static Py_ssize_t normalise_into(PyObject *text, unsigned char *out) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), length = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x80) out[length++] = normal[c];
        else length += put_utf8(out + length, c);
    }
    return length;
}

PyObject *sketch_texts(PyObject *const *texts, Py_ssize_t n) {
    Py_ssize_t room = n; /* the "\n" between two texts, for word pairs */
    for (Py_ssize_t i = 0; i < n; i++) room += utf8_room(texts[i]);
    /* Squeezed (or normalised) bytes; then one value per anchor (+1), head pieces (+1)
     * or word pair. */
    unsigned char stack_work[STACK_BYTES + 1 + COMPACT_SLACK];
    uint32_t stack_values[STACK_BYTES + HEAD_BYTES + 2];
    int small = room <= STACK_BYTES;
    unsigned char *work = small ? stack_work : PyMem_Malloc((size_t)room + 1 + COMPACT_SLACK);
    uint32_t *values =
        small ? stack_values : PyMem_Malloc(sizeof(uint32_t) * ((size_t)room + HEAD_BYTES + 2));
    PyObject *result = NULL;
    if (work == NULL || values == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t squeezed = 0, es = 0, count;
    for (Py_ssize_t i = 0; i < n; i++) squeezed += squeeze_into(texts[i], work + squeezed, &es);
    if (es * MAX_E_GAP < squeezed) { /* rare: few "e"s, so words; "\n" splits them too */
        Py_ssize_t length = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (i > 0) work[length++] = ' ';
            length += normalise_into(texts[i], work + length);
        }
        count = sort_unique(values, word_pairs(work, length, values));
    } else {
        count = sort_unique(values, pieces(work, squeezed, ANCHOR, WINDOW_BYTES, 1, 0, values));
        if (count < K) {
            Py_ssize_t head = squeezed < HEAD_BYTES ? squeezed : HEAD_BYTES;
            count += pieces(work, head, HEAD_ANCHOR, HEAD_WINDOW_BYTES, 0, UPPER, values + count);
            count = sort_unique(values, count);
        }
    }
    if (count < MIN_SHINGLES) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (count > K) count = K;
    if (values[count - 1] == EMPTY) values[count - 1] = EMPTY - 1;
    for (Py_ssize_t i = count; i < K; i++) values[i] = EMPTY;
    result = PyBytes_FromStringAndSize((const char *)values, sizeof(uint32_t) * K);
done:
    if (!small) {
        PyMem_Free(work);
        PyMem_Free(values);
    }
    return result;
}

/* The distinct values of a sketch but EMPTY, sorted, in ``out`` (room for n). */
static Py_ssize_t kept_values(const uint32_t *values, Py_ssize_t n, uint32_t *out) {
    Py_ssize_t kept = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (values[i] != EMPTY) out[kept++] = values[i];
    return sort_unique(out, kept);
}

double sketch_similarity(const uint32_t *one, const uint32_t *other) {
    uint32_t mine[K], theirs[K]; /* sorted already when made by sketch_texts; cheap */
    Py_ssize_t n = kept_values(one, K, mine), m = kept_values(other, K, theirs);
    Py_ssize_t i = 0, j = 0, taken = 0, both = 0;
    while (taken < K && (i < n || j < m)) { /* merge: the K smallest of the union */
        if (j >= m || (i < n && mine[i] < theirs[j])) {
            i++;
        } else if (i >= n || theirs[j] < mine[i]) {
            j++;
        } else {
            both++;
            i++;
            j++;
        }
        taken++;
    }
    return taken == 0 ? 0.0 : (double)both / (double)taken;
}

/* The answer rules' 64-bit digest (rules/replies.py ``reference_digest``) in C.
 *
 * Python encodes the text, translates it (ASCII lower-cased, ASCII whitespace left
 * out) and hashes it: three copies. Here each character is normalised and written
 * to a small buffer that zlib's crc32 and adler32 (the same functions Python's zlib
 * calls) read whenever it fills, so a text of any length needs no allocation, and a
 * conversation's turns are digested as their joined key without being joined.
 */
#include "digest.h"

#include <zlib.h>

#include "compact.h"
#include "utf8.h"

/* Bytes normalised before zlib reads them: a few chunks for most prompts. */
#define CHUNK 2048

/* Per byte: the byte lower-cased; 0 for ASCII whitespace, else 1. */
static unsigned char lowered[256], kept_byte[256];

void digest_init(void) {
    compact_init();
    for (int n = 0; n < 256; n++) {
        lowered[n] = (unsigned char)(n >= 'A' && n <= 'Z' ? n + 32 : n);
        kept_byte[n] = !(n == ' ' || (n >= '\t' && n <= '\r'));
    }
}

typedef struct {
    /* + slack: room for one more character's UTF-8, or a vector's last half */
    unsigned char bytes[CHUNK + COMPACT_SLACK];
    Py_ssize_t used;
    uLong crc, adler;
} Sums;

static void flush(Sums *sums) {
    sums->crc = crc32(sums->crc, sums->bytes, (uInt)sums->used);
    sums->adler = adler32(sums->adler, sums->bytes, (uInt)sums->used);
    sums->used = 0;
}

/* Normalises ``text`` into the sums: as Latin-1 bytes (each character one byte) or
 * as UTF-8 (whose bytes above 127 the normalisation leaves as they are). A table
 * lookup and an add per byte, no branch on whitespace: prose is one byte in six.
 * The character is read once into a local and the count kept in a register (a
 * store through ``out`` could alias the text for the compiler, and ``sums`` is in
 * memory: either would cost a load a byte). */
static void add_text(Sums *sums, PyObject *text, int latin1) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), used = sums->used;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    unsigned char *out = sums->bytes;
    if (latin1 || PyUnicode_IS_ASCII(text)) {
        const Py_UCS1 *chars = data;
        for (Py_ssize_t i = 0; i < n;) {
            Py_ssize_t stop = i + (CHUNK - used);
            if (stop > n) stop = n;
            i += compact_blocks(chars + i, stop - i, out, &used, KEEP_NOT_SPACE);
            for (; i < stop; i++) {
                unsigned char c = chars[i];
                out[used] = lowered[c];
                used += kept_byte[c];
            }
            if (used >= CHUNK) {
                sums->used = used;
                flush(sums);
                used = 0;
            }
        }
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c < 0x80) {
                out[used] = lowered[c];
                used += kept_byte[c];
            } else {
                used += put_utf8(out + used, c);
            }
            if (used >= CHUNK) {
                sums->used = used;
                flush(sums);
                used = 0;
            }
        }
    }
    sums->used = used;
}

uint64_t digest_texts(PyObject *const *texts, Py_ssize_t n, uint64_t flip) {
    int latin1 = 1;
    for (Py_ssize_t i = 0; i < n; i++) latin1 &= PyUnicode_KIND(texts[i]) == PyUnicode_1BYTE_KIND;
    Sums sums;
    sums.used = 0;
    sums.crc = crc32(0L, Z_NULL, 0);
    sums.adler = adler32(0L, Z_NULL, 0);
    for (Py_ssize_t i = 0; i < n; i++) add_text(&sums, texts[i], latin1);
    if (sums.used > 0) flush(&sums);
    return ((uint64_t)sums.crc << 32 | (uint64_t)sums.adler) ^ (latin1 ? 0 : flip);
}

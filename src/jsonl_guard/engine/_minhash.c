/* The near-duplicate sketch of engine/minhash.py in one C pass (optional).
 *
 * minhash.sketch is the reference: this computes the same K values from the same
 * UTF-8 bytes (squeeze, anchored windows or word pairs, CRC-32, bottom-k), and
 * tests/test_minhash_native.py holds the two equal on generated and real texts.
 * The Python version costs ~30 us a conversation in a dozen C calls with a Python
 * object per window; this walks the bytes once, without objects. A build without a
 * compiler leaves it out (setup.py marks it optional) and minhash.py runs alone.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Keep in step with engine/minhash.py (test_minhash_native checks them). */
#define K 32
#define MIN_SHINGLES 8
#define ANCHOR 'm'
#define WINDOW_BYTES 24
#define HEAD_BYTES 160
#define HEAD_ANCHOR 'e'
#define HEAD_WINDOW_BYTES 12
#define MAX_E_GAP 64
#define EMPTY 0xFFFFFFFFu
#define UPPER 0x80000000u

static uint32_t crc_table[256];
static unsigned char normal[256]; /* ASCII lower-cased; punctuation, space, controls: ' ' */
static unsigned char dropped[256]; /* 1: squeeze drops the byte (normal[byte] == ' ') */

static void build_tables(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
        unsigned char b = (unsigned char)n;
        int alnum = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
        normal[n] = b;
        dropped[n] = 0;
        if (b >= 'A' && b <= 'Z') normal[n] = b + 32;
        else if (b < 128 && !alnum) { normal[n] = ' '; dropped[n] = 1; }
    }
}

/* zlib.crc32(data, start): the CRC of what ``start`` was the CRC of, then data. */
static uint32_t crc32_from(uint32_t start, const unsigned char *p, Py_ssize_t n) {
    uint32_t c = start ^ 0xFFFFFFFFu;
    for (Py_ssize_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
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

/* minhash._pairs(normalise(text).split()): the chained CRC of neighbouring words. */
static Py_ssize_t word_pairs(const unsigned char *data, Py_ssize_t n, unsigned char *words,
                             uint32_t *out) {
    Py_ssize_t count = 0, i = 0;
    uint32_t previous = 0;
    int have_previous = 0;
    for (Py_ssize_t j = 0; j < n; j++) words[j] = normal[data[j]];
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

/* The UTF-8 of n Latin-1 characters (out holds 2n bytes); returns its length. */
static Py_ssize_t utf8_of_latin1(const Py_UCS1 *chars, Py_ssize_t n, unsigned char *out) {
    Py_ssize_t length = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS1 c = chars[i];
        if (c < 0x80) {
            out[length++] = c;
        } else {
            out[length++] = (unsigned char)(0xC0 | (c >> 6));
            out[length++] = (unsigned char)(0x80 | (c & 0x3F));
        }
    }
    return length;
}

static PyObject *sketch(PyObject *module, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "sketch() takes a str");
        return NULL;
    }
    /* The squeeze of the text's UTF-8 (as minhash.squeeze encodes it). A Latin-1 str
     * (ASCII included: most text) is squeezed from its characters, each one above 127
     * written as its two UTF-8 bytes, neither of which a squeeze drops or reads as an
     * anchor; any other str goes through the codec first. */
    PyObject *encoded = NULL;
    unsigned char *utf8 = NULL; /* the text's UTF-8, made only for word pairs */
    const unsigned char *data = NULL;
    int latin1 = PyUnicode_KIND(text) == PyUnicode_1BYTE_KIND;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (latin1) {
        if (!PyUnicode_IS_ASCII(text)) n *= 2; /* room for two bytes a character */
    } else {
        encoded = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
        if (encoded == NULL) return NULL;
        data = (const unsigned char *)PyBytes_AS_STRING(encoded);
        n = PyBytes_GET_SIZE(encoded);
    }
    /* Squeezed bytes, then one value per anchor (+1), head pieces (+1) or words. */
    unsigned char *work = PyMem_Malloc((size_t)n + 1);
    uint32_t *values = PyMem_Malloc(sizeof(uint32_t) * ((size_t)n + HEAD_BYTES + 2));
    PyObject *result = NULL;
    if (work == NULL || values == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t squeezed = 0, es = 0;
    if (latin1) {
        const Py_UCS1 *chars = PyUnicode_1BYTE_DATA(text);
        for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(text); i++) {
            Py_UCS1 c = chars[i];
            if (c < 0x80) { /* branch-free within ASCII: a space is one byte in six */
                unsigned char b = normal[c];
                work[squeezed] = b;
                es += b == HEAD_ANCHOR;
                squeezed += !dropped[c];
            } else {
                work[squeezed++] = (unsigned char)(0xC0 | (c >> 6));
                work[squeezed++] = (unsigned char)(0x80 | (c & 0x3F));
            }
        }
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            unsigned char b = normal[data[i]];
            work[squeezed] = b;
            es += b == HEAD_ANCHOR;
            squeezed += !dropped[data[i]];
        }
    }
    Py_ssize_t count;
    if (es * MAX_E_GAP < squeezed) {
        if (latin1) { /* rare: a text of few "e"s needs its UTF-8 for its words */
            utf8 = PyMem_Malloc((size_t)n + 1);
            if (utf8 == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            n = utf8_of_latin1(PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text), utf8);
            data = utf8;
        }
        count = sort_unique(values, word_pairs(data, n, work, values));
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
    PyMem_Free(work);
    PyMem_Free(values);
    PyMem_Free(utf8);
    Py_XDECREF(encoded);
    return result;
}

static PyMethodDef methods[] = {
    {"sketch", sketch, METH_O,
     "sketch(text, /)\n--\n\nThe K sketch values of ``text`` as native uint32 bytes, or "
     "None (engine/minhash.py sketch)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef definition = {
    PyModuleDef_HEAD_INIT, "_minhash", "engine/minhash.py's sketch in C (optional).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__minhash(void) {
    build_tables();
    PyObject *module = PyModule_Create(&definition);
    if (module == NULL) return NULL;
    if (PyModule_AddIntConstant(module, "K", K) < 0 ||
        PyModule_AddIntConstant(module, "MIN_SHINGLES", MIN_SHINGLES) < 0 ||
        PyModule_AddIntConstant(module, "WINDOW_BYTES", WINDOW_BYTES) < 0 ||
        PyModule_AddIntConstant(module, "HEAD_BYTES", HEAD_BYTES) < 0 ||
        PyModule_AddIntConstant(module, "HEAD_WINDOW_BYTES", HEAD_WINDOW_BYTES) < 0 ||
        PyModule_AddIntConstant(module, "MAX_E_GAP", MAX_E_GAP) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

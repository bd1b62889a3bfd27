/* Two per-example byte loops of the content rules in C (optional).
 *
 * screens: rules/sensitive.py ``reference_screens`` (may the example's compact JSON
 *     hold a secret, an email, a number worth checking) in one pass, where Python
 *     needs a translate, two replaces, two finds and a regular expression.
 * digest: rules/replies.py ``reference_digest`` (the answer rules' 64-bit digest of a
 *     text, case and whitespace left out) without the three copies of the text.
 *
 * The Python functions are the definitions; tests/test_screens_native.py holds these
 * equal to them. A build without a compiler leaves this out (setup.py: optional).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* Keep in step with rules/sensitive.py (test_screens_native checks them). */
#define TOKEN_RUN 19 /* a secret is a run of 19+ letters, digits, _, - or . */
#define MIN_DIGITS 7 /* a number worth checking: 7+ digits, separators between */

enum { OTHER, TOKEN, DIGIT, SEPARATOR };
static unsigned char classes[256];
static uint32_t crc_table[256];

static void build_tables(void) {
    for (int n = 0; n < 256; n++) {
        if ((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || n == '_' || n == '-' || n == '.')
            classes[n] = TOKEN;
        else if (n >= '0' && n <= '9')
            classes[n] = DIGIT;
        else if (n == ' ' || n == '(' || n == ')' || n == '+')
            classes[n] = SEPARATOR;
        else
            classes[n] = OTHER;
        uint32_t c = (uint32_t)n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

/* Bit 1: a run of TOKEN_RUN token characters; 2: an "@"; 4: MIN_DIGITS digits with
 * only separators (space, brackets, +, - and .) between them. */
static PyObject *screens(PyObject *module, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *p = view.buf;
    Py_ssize_t run = 0, digits = 0;
    int found = 0;
    for (Py_ssize_t i = 0; i < view.len && found != 7; i++) {
        unsigned char b = p[i], kind = classes[b];
        run = kind == TOKEN || kind == DIGIT ? run + 1 : 0;
        if (run >= TOKEN_RUN) found |= 1;
        if (b == '@') found |= 2;
        if (kind == DIGIT) {
            if (++digits >= MIN_DIGITS) found |= 4;
        } else if (kind != SEPARATOR && b != '-' && b != '.') {
            digits = 0;
        }
    }
    PyBuffer_Release(&view);
    return PyLong_FromLong(found);
}

/* zlib's CRC-32 and Adler-32 of the bytes fed, kept together. */
typedef struct {
    uint32_t crc, a, b;
    Py_ssize_t pending; /* bytes since the last Adler modulo */
} Sums;

static inline void feed(Sums *s, unsigned char byte) {
    s->crc = crc_table[(s->crc ^ byte) & 0xFF] ^ (s->crc >> 8);
    s->a += byte;
    s->b += s->a;
    if (++s->pending == 5552) { /* zlib's NMAX: the sums cannot overflow before it */
        s->a %= 65521;
        s->b %= 65521;
        s->pending = 0;
    }
}

static inline void feed_normalised(Sums *s, unsigned char byte) {
    if (byte == ' ' || (byte >= '\t' && byte <= '\r')) return; /* ASCII whitespace */
    feed(s, byte >= 'A' && byte <= 'Z' ? byte + 32 : byte);
}

/* (crc32(data) << 32 | adler32(data)) ^ flip of the text's Latin-1 bytes (or, with
 * a character beyond Latin-1, its UTF-8 and ``flip``), whitespace dropped and ASCII
 * lower-cased: replies.digest. */
static PyObject *digest(PyObject *module, PyObject *args) {
    PyObject *text;
    unsigned long long flip;
    if (!PyArg_ParseTuple(args, "UK:digest", &text, &flip)) return NULL;
    Sums s = {0xFFFFFFFFu, 1, 0, 0};
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_KIND(text) == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *chars = PyUnicode_1BYTE_DATA(text);
        for (Py_ssize_t i = 0; i < n; i++) feed_normalised(&s, chars[i]);
    } else {
        PyObject *encoded = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
        if (encoded == NULL) return NULL;
        const unsigned char *bytes = (const unsigned char *)PyBytes_AS_STRING(encoded);
        for (Py_ssize_t i = 0; i < PyBytes_GET_SIZE(encoded); i++) feed_normalised(&s, bytes[i]);
        Py_DECREF(encoded);
    }
    uint64_t adler = (uint64_t)(s.b % 65521) << 16 | (s.a % 65521);
    uint64_t value = ((uint64_t)(s.crc ^ 0xFFFFFFFFu) << 32 | adler);
    if (PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND) value ^= flip;
    return PyLong_FromUnsignedLongLong(value);
}

static PyMethodDef methods[] = {
    {"screens", screens, METH_O,
     "screens(data, /)\n--\n\nBits 1 (token run), 2 (@), 4 (digit run) of compact JSON "
     "bytes (rules/sensitive.py)."},
    {"digest", digest, METH_VARARGS,
     "digest(text, flip, /)\n--\n\nThe answer rules' digest of text (rules/replies.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef definition = {
    PyModuleDef_HEAD_INIT, "_screens", "Content-rule byte loops in C (optional).", -1, methods,
};

PyMODINIT_FUNC PyInit__screens(void) {
    build_tables();
    PyObject *module = PyModule_Create(&definition);
    if (module == NULL) return NULL;
    if (PyModule_AddIntConstant(module, "TOKEN_RUN", TOKEN_RUN) < 0 ||
        PyModule_AddIntConstant(module, "MIN_DIGITS", MIN_DIGITS) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

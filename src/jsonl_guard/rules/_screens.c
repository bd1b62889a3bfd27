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
#include <string.h>
#include <zlib.h>

/* Keep in step with rules/sensitive.py (test_screens_native checks them). */
#define TOKEN_RUN 19 /* a secret is a run of 19+ letters, digits, _, - or . */
#define MIN_DIGITS 7 /* a number worth checking: 7+ digits, separators between */

/* Per byte: all ones when it continues a token run (else 0); 1 when it is a digit;
 * all ones when a number run goes on through it (a digit, or a separator: space,
 * brackets, +, - and .). Masks, not 0/1: an AND, not a multiply, on the loop's path. */
static uint32_t in_token[256], is_digit[256], in_number[256];
/* Per byte, for the digest: the byte lower-cased; 0 for ASCII whitespace, else 1. */
static unsigned char lowered[256], kept_byte[256];

static void build_tables(void) {
    for (int n = 0; n < 256; n++) {
        int letter = (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || n == '_';
        int digit = n >= '0' && n <= '9';
        lowered[n] = (unsigned char)(n >= 'A' && n <= 'Z' ? n + 32 : n);
        kept_byte[n] = !(n == ' ' || (n >= '\t' && n <= '\r'));
        is_digit[n] = (uint32_t)digit;
        in_token[n] = letter || digit || n == '-' || n == '.' ? UINT32_MAX : 0;
        in_number[n] = digit || n == '-' || n == '.' || n == ' ' || n == '(' || n == ')' ||
                       n == '+' ? UINT32_MAX : 0;
    }
}

/* Bit 1: a run of TOKEN_RUN token characters; 2: an "@"; 4: MIN_DIGITS digits with
 * only separators between them. Branch-free per byte: prose mixes the classes. */
static PyObject *screens(PyObject *module, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *p = view.buf;
    uint32_t run = 0, longest = 0, digits = 0, most = 0; /* runs past 2**32 wrap: harmless */
    for (Py_ssize_t i = 0; i < view.len; i++) {
        unsigned char b = p[i];
        run = (run + 1) & in_token[b];
        longest = run > longest ? run : longest;
        digits = (digits + is_digit[b]) & in_number[b];
        most = digits > most ? digits : most;
    }
    int found = (longest >= TOKEN_RUN) | (memchr(p, '@', (size_t)view.len) != NULL) << 1 |
                (most >= MIN_DIGITS) << 2;
    PyBuffer_Release(&view);
    return PyLong_FromLong(found);
}

/* The bytes replies.digest hashes: ASCII whitespace dropped, ASCII lower-cased
 * (tables, so the loop has no branch). */
static Py_ssize_t normalised(const unsigned char *p, Py_ssize_t n, unsigned char *out) {
    Py_ssize_t kept = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        out[kept] = lowered[p[i]];
        kept += kept_byte[p[i]];
    }
    return kept;
}

/* (crc32(data) << 32 | adler32(data)) ^ flip of the text's Latin-1 bytes (or, with
 * a character beyond Latin-1, its UTF-8 and ``flip``), normalised: replies.digest,
 * with one copy of the text instead of three, and zlib's own checksums. */
static PyObject *digest(PyObject *module, PyObject *args) {
    PyObject *text, *encoded = NULL;
    unsigned long long flip;
    if (!PyArg_ParseTuple(args, "UK:digest", &text, &flip)) return NULL;
    const unsigned char *data;
    Py_ssize_t n;
    if (PyUnicode_KIND(text) == PyUnicode_1BYTE_KIND) {
        data = PyUnicode_1BYTE_DATA(text);
        n = PyUnicode_GET_LENGTH(text);
        flip = 0;
    } else {
        encoded = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
        if (encoded == NULL) return NULL;
        data = (const unsigned char *)PyBytes_AS_STRING(encoded);
        n = PyBytes_GET_SIZE(encoded);
    }
    unsigned char *work = PyMem_Malloc((size_t)n + 1);
    if (work == NULL) {
        Py_XDECREF(encoded);
        return PyErr_NoMemory();
    }
    Py_ssize_t kept = normalised(data, n, work);
    uint64_t crc = 0, adler = 1;
    for (Py_ssize_t done = 0; done < kept;) { /* zlib takes at most UINT_MAX at once */
        uInt step = kept - done > (Py_ssize_t)UINT_MAX ? UINT_MAX : (uInt)(kept - done);
        crc = crc32((uLong)crc, work + done, step);
        adler = adler32((uLong)adler, work + done, step);
        done += step;
    }
    PyMem_Free(work);
    Py_XDECREF(encoded);
    return PyLong_FromUnsignedLongLong((crc << 32 | adler) ^ flip);
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

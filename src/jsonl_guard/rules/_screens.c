/* Two per-example byte loops of the content rules in C (optional).
 *
 * screens: rules/sensitive.py ``reference_screens`` (may the example's compact JSON
 *     hold a secret, an email, a number worth checking) in one pass, where Python
 *     needs a translate, two replaces, two finds and a regular expression.
 * digest: rules/replies.py ``reference_digest`` (the answer rules' 64-bit digest of a
 *     text, case and whitespace left out) without the three copies of the text; the
 *     loop is _c/digest.c, which engine/_chat.c shares.
 *
 * The Python functions are the definitions; tests/test_screens_native.py holds these
 * equal to them. A build without a compiler leaves this out (setup.py: optional).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "digest.h"

/* Keep in step with rules/sensitive.py (test_screens_native checks them). */
#define TOKEN_RUN 19 /* a secret is a run of 19+ letters, digits, _, - or . */
#define MIN_DIGITS 7 /* a number worth checking: 7+ digits, separators between */

/* Per byte: all ones when it continues a token run (else 0); 1 when it is a digit;
 * all ones when a number run goes on through it (a digit, or a separator: space,
 * brackets, +, - and .). Masks, not 0/1: an AND, not a multiply, on the loop's path. */
static uint32_t in_token[256], is_digit[256], in_number[256];

static void build_tables(void) {
    for (int n = 0; n < 256; n++) {
        int letter = (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || n == '_';
        int digit = n >= '0' && n <= '9';
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

/* replies.digest(text) given replies._UTF8 as ``flip`` (_c/digest.c: one pass, no
 * copy of the text). */
static PyObject *digest(PyObject *module, PyObject *args) {
    PyObject *text;
    unsigned long long flip;
    if (!PyArg_ParseTuple(args, "UK:digest", &text, &flip)) return NULL;
    return PyLong_FromUnsignedLongLong(digest_texts(&text, 1, flip));
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
    digest_init();
    PyObject *module = PyModule_Create(&definition);
    if (module == NULL) return NULL;
    if (PyModule_AddIntConstant(module, "TOKEN_RUN", TOKEN_RUN) < 0 ||
        PyModule_AddIntConstant(module, "MIN_DIGITS", MIN_DIGITS) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

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
#include "refusal_screen.h"

/* 64 bytes at a time where SSE2 is (every x86-64 CPU), else the byte loop. */
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#define VECTOR_SCAN 1
#endif

/* Keep in step with rules/sensitive.py (test_screens_native checks them). */
#define TOKEN_RUN 19 /* a secret is a run of 19+ letters, digits, _, - or . */
#define MIN_DIGITS 7 /* a number worth checking: 7+ digits, separators between */

/* Both counts of the screen in one 64-bit word, (token run) | (number run) << 32, so
 * a byte moves them with one add and one AND: per byte, ``grow`` is what it adds
 * (1 to the token run; 1 to the number run for a digit) and ``keep`` what survives
 * it (all ones in a half whose run goes on through the byte: a token character; a
 * digit or a separator, i.e. space, brackets, +, - and .). Runs only grow by one or
 * drop to zero, so a run reaches its threshold exactly when its count passes it, and
 * count + (32 - threshold) has bit 5 set then and never before: OR-ing that into
 * ``seen`` each byte records both thresholds without a compare. (A run of 2**32
 * bytes would carry into the other half: far beyond any line jsonl-guard reads, and
 * it could only make the screen pass, which reads the texts, never hide a match.) */
static uint64_t grow[256], keep[256];
#define BIAS ((uint64_t)(32 - TOKEN_RUN) | (uint64_t)(32 - MIN_DIGITS) << 32)
#define REACHED ((uint64_t)32)

static void build_tables(void) {
    for (int n = 0; n < 256; n++) {
        int letter = (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || n == '_';
        int digit = n >= '0' && n <= '9';
        uint64_t token = letter || digit || n == '-' || n == '.' ? UINT32_MAX : 0;
        uint64_t number = digit || n == '-' || n == '.' || n == ' ' || n == '(' || n == ')' ||
                          n == '+' ? UINT32_MAX : 0;
        grow[n] = 1 | (uint64_t)digit << 32;
        keep[n] = token | number << 32;
    }
}

/* The two runs depend on the byte before (an add and an AND a byte), so the bytes
 * are read as two independent stretches, one byte of each per loop turn. The second
 * starts just after a byte that zeroes both runs (neither a token nor a number
 * character: a quote, a comma, a colon, any byte above 127), where the one-stretch
 * loop is at zero as well, so ``seen`` is exactly that of one pass; without such a
 * byte after the middle, the first stretch takes every byte. */
#ifndef VECTOR_SCAN
static uint64_t scan(const unsigned char *p, Py_ssize_t n) {
    Py_ssize_t middle = n / 2;
    while (middle < n && keep[p[middle]]) middle++;
    middle = middle < n ? middle + 1 : n;
    Py_ssize_t common = middle < n - middle ? middle : n - middle;
    const unsigned char *q = p + middle;
    uint64_t one = 0, other = 0, seen = 0, seen_other = 0;
    for (Py_ssize_t i = 0; i < common; i++) {
        one = (one + grow[p[i]]) & keep[p[i]];
        other = (other + grow[q[i]]) & keep[q[i]];
        seen |= one + BIAS;
        seen_other |= other + BIAS;
    }
    for (Py_ssize_t i = common; i < middle; i++) {
        one = (one + grow[p[i]]) & keep[p[i]];
        seen |= one + BIAS;
    }
    for (Py_ssize_t i = common; i < n - middle; i++) {
        other = (other + grow[q[i]]) & keep[q[i]];
        seen_other |= other + BIAS;
    }
    return seen | seen_other;
}
#endif

#ifdef VECTOR_SCAN
#include <emmintrin.h>

/* Per byte of 16: all ones where it is in [low, low + span] (unsigned), else zero. */
static inline __m128i in_range(__m128i v, char low, char span) {
    __m128i d = _mm_sub_epi8(v, _mm_set1_epi8(low));
    return _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(span)), d);
}

static inline __m128i equal(__m128i v, char byte) {
    return _mm_cmpeq_epi8(v, _mm_set1_epi8(byte));
}

/* Bit i of each mask for byte i of p[0:64]: a token character, a digit, a character a
 * number's run goes on through (a digit or a separator). The classes are OR-ed as
 * vectors: one movemask a class. */
static inline void classes64(const unsigned char *p, uint64_t *token, uint64_t *digit,
                             uint64_t *number) {
    *token = *digit = *number = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        __m128i digits = in_range(v, '0', 9);
        __m128i letters = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 25);
        __m128i marks = _mm_or_si128(equal(v, '-'), equal(v, '.'));
        __m128i tokens = _mm_or_si128(_mm_or_si128(letters, digits), _mm_or_si128(marks, equal(v, '_')));
        __m128i separators = _mm_or_si128(_mm_or_si128(equal(v, ' '), equal(v, '+')),
                                          in_range(v, '(', 1)); /* ( and ) */
        __m128i numbers = _mm_or_si128(_mm_or_si128(digits, marks), separators);
        *token |= (uint64_t)(unsigned)_mm_movemask_epi8(tokens) << (16 * k);
        *digit |= (uint64_t)(unsigned)_mm_movemask_epi8(digits) << (16 * k);
        *number |= (uint64_t)(unsigned)_mm_movemask_epi8(numbers) << (16 * k);
    }
}

static inline int ones(uint64_t x) { return __builtin_popcountll(x); }

/* ``scan`` 64 bytes at a time: the same bits of ``seen``. A token run is found by
 * AND-ing the mask with itself shifted (runs of 2, 4, 8, 16, then 19), with the run
 * carried in from the block before; a block whose digits, with those carried in,
 * cannot make MIN_DIGITS holds no number run, and any other block (few: prose has
 * few digits) goes through the byte loop, which carries both counts on. */
static uint64_t vector_scan(const unsigned char *p, Py_ssize_t n) {
    uint64_t seen = 0, tokens = 0, digits = 0; /* the runs open at the block's start */
    Py_ssize_t i = 0;
    for (; i + 64 <= n && (seen & (REACHED | REACHED << 32)) != (REACHED | REACHED << 32);
         i += 64) {
        uint64_t token, digit, number;
        classes64(p + i, &token, &digit, &number);
        if (digits + (uint64_t)ones(digit) >= MIN_DIGITS) {
            uint64_t run = tokens | digits << 32;
            for (int b = 0; b < 64; b++) {
                run = (run + grow[p[i + b]]) & keep[p[i + b]];
                seen |= run + BIAS;
            }
            tokens = run & UINT32_MAX;
            digits = run >> 32;
            continue;
        }
        uint64_t lead = ~token == 0 ? 64 : (uint64_t)__builtin_ctzll(~token);
        uint64_t runs = token & token >> 1;
        runs &= runs >> 2;
        runs &= runs >> 4;
        runs &= runs >> 8;
        runs &= runs >> 3;
        if (runs != 0 || tokens + lead >= TOKEN_RUN) seen |= REACHED;
        tokens = ~token == 0 ? (tokens + 64 < TOKEN_RUN ? tokens + 64 : TOKEN_RUN)
                             : (uint64_t)__builtin_clzll(~token);
        /* The digits after the block's last byte that ends a number's run (none when
         * that is its last byte: a shift by 64 is undefined). */
        int after = ~number == 0 ? 64 : __builtin_clzll(~number);
        digits = after == 64 ? digits + (uint64_t)ones(digit)
                 : after == 0 ? 0
                              : (uint64_t)ones(digit >> (64 - after));
    }
    uint64_t run = tokens | digits << 32;
    for (; i < n; i++) {
        run = (run + grow[p[i]]) & keep[p[i]];
        seen |= run + BIAS;
    }
    return seen;
}
#endif

/* Bit 1: a run of TOKEN_RUN token characters; 2: an "@"; 4: MIN_DIGITS digits with
 * only separators between them. Branch-free per byte: prose mixes the classes. */
static PyObject *screens(PyObject *module, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *p = view.buf;
#ifdef VECTOR_SCAN
    uint64_t seen = vector_scan(p, view.len);
#else
    uint64_t seen = scan(p, view.len);
#endif
    int found = ((seen & REACHED) != 0) | (memchr(p, '@', (size_t)view.len) != NULL) << 1 |
                ((seen >> 32 & REACHED) != 0) << 2;
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

/* may_refuse(text): False when refusals.refusal(text) is surely 0. */
static PyObject *may_refuse_text(PyObject *module, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "may_refuse() takes a str");
        return NULL;
    }
    return PyBool_FromLong(may_refuse(text));
}

static PyMethodDef methods[] = {
    {"screens", screens, METH_O,
     "screens(data, /)\n--\n\nBits 1 (token run), 2 (@), 4 (digit run) of compact JSON "
     "bytes (rules/sensitive.py)."},
    {"digest", digest, METH_VARARGS,
     "digest(text, flip, /)\n--\n\nThe answer rules' digest of text (rules/replies.py)."},
    {"may_refuse", may_refuse_text, METH_O,
     "may_refuse(text, /)\n--\n\nFalse when refusals.refusal(text) is surely 0 (no "
     "anchor of its phrases in the window)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef definition = {
    PyModuleDef_HEAD_INIT, "_screens", "Content-rule byte loops in C (optional).", -1, methods,
};

PyMODINIT_FUNC PyInit__screens(void) {
    build_tables();
    digest_init();
    refusal_screen_init();
    PyObject *module = PyModule_Create(&definition);
    if (module == NULL) return NULL;
    if (PyModule_AddIntConstant(module, "TOKEN_RUN", TOKEN_RUN) < 0 ||
        PyModule_AddIntConstant(module, "MIN_DIGITS", MIN_DIGITS) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

/* engine/sieve.py's repeated_counts in C (optional).
 *
 * The dataset rules ask which digests repeat (JG305's exact copies, JG311's prompts,
 * JG312's answers): two passes over a column of 64-bit values, a bit test and a set
 * or dict lookup a value in Python, ~0.7 us each. Here the same two passes read the
 * column's chunks as buffers. sieve.reference_counts is the definition and
 * tests/test_stats_merge.py holds the two equal; a build without a compiler leaves
 * this out (setup.py marks it optional) and the Python runs alone.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "chunks.h"

#include <stdint.h>
#include <string.h>

/* A candidate: a key whose sieve bit was set before it came, and its count. */
typedef struct {
    uint64_t key;
    uint32_t count, full;
} Slot;

/* Open addressing, linear probing, at most half full. */
typedef struct {
    Slot *slots;
    size_t mask, used;
} Table;

static size_t slot_of(uint64_t key, size_t mask) {
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

static Slot *slot(const Table *table, uint64_t key) {
    for (size_t i = slot_of(key, table->mask);; i = (i + 1) & table->mask) {
        Slot *found = &table->slots[i];
        if (!found->full || found->key == key) return found;
    }
}

static int make_table(Table *table, size_t slots) {
    table->slots = PyMem_Calloc(slots, sizeof(Slot));
    table->mask = slots - 1;
    table->used = 0;
    return table->slots == NULL ? -1 : 0;
}

/* Adds ``key`` if it is not there yet; -1 when out of memory. */
static int add(Table *table, uint64_t key) {
    Slot *found = slot(table, key);
    if (found->full) return 0;
    if (2 * (table->used + 1) > table->mask + 1) {
        Table bigger;
        if (make_table(&bigger, 2 * (table->mask + 1)) < 0) return -1;
        for (size_t i = 0; i <= table->mask; i++)
            if (table->slots[i].full) *slot(&bigger, table->slots[i].key) = table->slots[i];
        bigger.used = table->used;
        PyMem_Free(table->slots);
        *table = bigger;
        found = slot(table, key);
    }
    found->key = key;
    found->full = 1;
    table->used++;
    return 0;
}

typedef struct {
    uint64_t part, parts, ignore;
    int ignoring, counting; /* counting: pass 2 */
    uint64_t mask;
    unsigned char *seen;
    Table table;
} Sieve;

static int wanted(const Sieve *sieve, uint64_t key) {
    return (sieve->parts == 1 || key % sieve->parts == sieve->part) &&
           !(sieve->ignoring && key == sieve->ignore);
}

/* Pass 1 (``counting`` 0): a key whose bit is set joins the table, else sets it.
 * Pass 2 (1): each key in the table is counted. */
static int visit(Sieve *sieve, uint64_t key, int counting) {
    if (!wanted(sieve, key)) return 0;
    if (counting) {
        Slot *found = slot(&sieve->table, key);
        if (found->full) found->count++;
        return 0;
    }
    uint64_t bit = key & sieve->mask;
    if (sieve->seen[bit >> 3] & (1u << (bit & 7))) return add(&sieve->table, key);
    sieve->seen[bit >> 3] |= (unsigned char)(1u << (bit & 7));
    return 0;
}

/* One buffer of a pass: unsigned values of 4 or 8 bytes. */
static int sift_buffer(Py_buffer *view, void *context) {
    Sieve *sieve = context;
    const char *format = view->format == NULL ? "B" : view->format;
    if (format[0] == '@' || format[0] == '=') format++;
    Py_ssize_t n = view->itemsize ? view->len / view->itemsize : 0;
    if (strchr("ILQ", format[0]) == NULL || format[1] != 0 ||
        (view->itemsize != 4 && view->itemsize != 8)) {
        PyErr_Format(PyExc_TypeError, "sieve keys are unsigned ints, not '%s'", format);
        return -1;
    }
    if (view->itemsize == 4) {
        const uint32_t *keys = view->buf;
        for (Py_ssize_t i = 0; i < n; i++)
            if (visit(sieve, keys[i], sieve->counting) < 0) return -1;
    } else {
        const uint64_t *keys = view->buf;
        for (Py_ssize_t i = 0; i < n; i++)
            if (visit(sieve, keys[i], sieve->counting) < 0) return -1;
    }
    return 0;
}

/* One pass over the buffers ``chunks()`` yields. */
static int pass(Sieve *sieve, PyObject *chunks, int counting) {
    sieve->counting = counting;
    return each_chunk(chunks, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS, sift_buffer, sieve);
}

static PyObject *counted(const Table *table) {
    PyObject *found = PyDict_New();
    for (size_t i = 0; found != NULL && i <= table->mask; i++) {
        const Slot *one = &table->slots[i];
        if (!one->full || one->count < 2) continue;
        PyObject *key = PyLong_FromUnsignedLongLong(one->key);
        PyObject *count = PyLong_FromUnsignedLong(one->count);
        if (key == NULL || count == NULL || PyDict_SetItem(found, key, count) < 0)
            Py_CLEAR(found);
        Py_XDECREF(key);
        Py_XDECREF(count);
    }
    return found;
}

/* repeated_counts(chunks, bits, part, parts, ignore): see sieve.repeated_counts. */
static PyObject *repeated_counts(PyObject *module, PyObject *args) {
    PyObject *chunks, *ignore;
    int bits;
    unsigned long long part, parts;
    if (!PyArg_ParseTuple(args, "OiKKO", &chunks, &bits, &part, &parts, &ignore)) return NULL;
    if (bits < 3 || bits > 40 || parts < 1 || part >= parts) {
        PyErr_SetString(PyExc_ValueError, "repeated_counts(): an argument is out of range");
        return NULL;
    }
    Sieve sieve = {.part = part, .parts = parts, .mask = ((uint64_t)1 << bits) - 1};
    if (ignore != Py_None) {
        sieve.ignore = PyLong_AsUnsignedLongLong(ignore);
        if (sieve.ignore == (uint64_t)-1 && PyErr_Occurred()) return NULL;
        sieve.ignoring = 1;
    }
    PyObject *result = NULL;
    sieve.seen = PyMem_Calloc((size_t)1 << (bits - 3), 1);
    if (sieve.seen == NULL || make_table(&sieve.table, 64) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    if (pass(&sieve, chunks, 0) < 0) goto done;
    PyMem_Free(sieve.seen); /* sifted: its bits go before the counting */
    sieve.seen = NULL;
    if (pass(&sieve, chunks, 1) < 0) goto done;
    result = counted(&sieve.table);
done:
    PyMem_Free(sieve.seen);
    PyMem_Free(sieve.table.slots);
    return result;
}

static PyMethodDef methods[] = {
    {"repeated_counts", repeated_counts, METH_VARARGS,
     "repeated_counts(chunks, bits, part, parts, ignore, /)\n--\n\nThe keys of the buffers "
     "chunks() yields that occur more than once, with their counts (engine/sieve.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef definition = {
    PyModuleDef_HEAD_INIT, "_sieve", "engine/sieve.py's repeated_counts in C (optional).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__sieve(void) { return PyModule_Create(&definition); }

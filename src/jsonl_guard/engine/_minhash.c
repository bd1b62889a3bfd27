/* The near-duplicate sketch of engine/minhash.py and the pair search's candidates of
 * engine/near_pairs.py in C (optional).
 *
 * The sketch loop is _c/sketch.c, which engine/_chat.c shares (it sketches a
 * conversation's texts without joining them); this module gives it one text, and
 * compares two sketches (the pair search's inner step). ``sources`` lists each line's
 * candidate sources (near_pairs._sources and reference_ranked are the
 * definition), from the repeated keys the sieve found (engine/_sieve.c): in Python, a
 * dict lookup or two per index key and a Counter per line, most of the search's time. minhash.sketch and near_pairs are the reference and
 * tests/test_minhash_native.py and tests/test_near_duplicates.py hold the twins equal.
 * A build without a compiler leaves it out (setup.py marks it optional) and the Python
 * runs alone.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "chunks.h"

#include <stdint.h>
#include <string.h>

#include "sketch.h"

static PyObject *sketch(PyObject *module, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "sketch() takes a str");
        return NULL;
    }
    return sketch_texts(&text, 1);
}

/* similarity(one, other): two buffers of K uint32 values (sketches, as arrays or
 * bytes); None for any other size, which minhash.similarity leaves to Python. */
static PyObject *similarity(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "similarity(one, other)");
        return NULL;
    }
    Py_buffer one, other;
    if (PyObject_GetBuffer(args[0], &one, PyBUF_SIMPLE) < 0) return NULL;
    if (PyObject_GetBuffer(args[1], &other, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&one);
        return NULL;
    }
    PyObject *result;
    if (one.len != K * sizeof(uint32_t) || other.len != K * sizeof(uint32_t))
        result = Py_NewRef(Py_None);
    else
        result = PyFloat_FromDouble(sketch_similarity(one.buf, other.buf));
    PyBuffer_Release(&one);
    PyBuffer_Release(&other);
    return result;
}

/* -- the pair search's candidate sources (near_pairs.py) --------------------------- */

#define INDEX_KEYS 4  /* minhash.INDEX_KEYS: the smallest values index a sketch */
#define MAX_LEADERS 4 /* near_pairs.LEADERS may be at most this (a posting: 28 bytes) */
#define NO_KEY 0xFFFFFFFFu /* minhash.EMPTY: padding, never a key; marks a free slot */

/* A repeated key: how often its part holds it, and its first owners. */
typedef struct {
    uint32_t key, count, owned, owners[MAX_LEADERS];
} Entry;

/* The repeated keys, open addressing with linear probing, at most half full: sized
 * once for the keys the sieve (engine/_sieve.c) found, so it never grows. */
typedef struct {
    Entry *slots;
    size_t mask;
} Postings;

static size_t slot_of(uint32_t key, size_t mask) {
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

/* The slot holding ``key``, or the free slot where it would go. */
static Entry *slot(const Postings *postings, uint32_t key) {
    for (size_t i = slot_of(key, postings->mask);; i = (i + 1) & postings->mask) {
        Entry *found = &postings->slots[i];
        if (found->key == key || found->key == NO_KEY) return found;
    }
}

/* The postings of ``repeats`` ({key: count}, near_pairs._repeated_keys); -1 with an
 * exception set. */
static int make_postings(Postings *postings, PyObject *repeats) {
    size_t size = 64;
    while (size < 2 * (size_t)PyDict_GET_SIZE(repeats)) size *= 2;
    postings->slots = PyMem_Malloc(size * sizeof(Entry));
    if (postings->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    postings->mask = size - 1;
    for (size_t i = 0; i < size; i++) postings->slots[i].key = NO_KEY;
    Py_ssize_t at = 0;
    PyObject *key, *count;
    while (PyDict_Next(repeats, &at, &key, &count)) {
        unsigned long k = PyLong_AsUnsignedLong(key), n = PyLong_AsUnsignedLong(count);
        if (PyErr_Occurred()) return -1;
        if (k >= NO_KEY || n > UINT32_MAX) {
            PyErr_SetString(PyExc_ValueError, "sources(): a key or count is out of range");
            return -1;
        }
        Entry *entry = slot(postings, (uint32_t)k);
        *entry = (Entry){.key = (uint32_t)k, .count = (uint32_t)n};
    }
    return 0;
}

/* A growing buffer of uint32 values, handed to the sink as bytes. */
typedef struct {
    uint32_t *values;
    Py_ssize_t used, room;
} Out;

static int put(Out *out, uint32_t value) {
    if (out->used == out->room) {
        Py_ssize_t room = out->room ? 2 * out->room : 1024;
        uint32_t *values = PyMem_Realloc(out->values, (size_t)room * sizeof(uint32_t));
        if (values == NULL) return -1;
        out->values = values;
        out->room = room;
    }
    out->values[out->used++] = value;
    return 0;
}

typedef struct {
    Py_ssize_t leaders, max_comparisons;
    int ranked;
    Postings postings;
    Out out;
    PyObject *sink;
    uint32_t line; /* the index of the next sketch read */
} Search;

/* near_pairs.reference_ranked: the sources listed more than once, most listed first,
 * then the earliest; at most max_comparisons of them. */
static int put_ranked(Search *search, uint32_t line, uint32_t *sources, Py_ssize_t n) {
    uint32_t distinct[INDEX_KEYS * MAX_LEADERS * 2], times[INDEX_KEYS * MAX_LEADERS * 2];
    Py_ssize_t kinds = 0, ranked = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t j = 0;
        while (j < kinds && distinct[j] != sources[i]) j++;
        if (j == kinds) {
            distinct[kinds] = sources[i];
            times[kinds++] = 0;
        }
        times[j]++;
    }
    for (Py_ssize_t j = 0; j < kinds; j++) /* keep those listed twice or more */
        if (times[j] > 1) {
            distinct[ranked] = distinct[j];
            times[ranked++] = times[j];
        }
    if (ranked == 0) return 0;
    for (Py_ssize_t i = 1; i < ranked; i++) { /* insertion sort by (-times, source) */
        uint32_t source = distinct[i], count = times[i];
        Py_ssize_t j = i;
        for (; j > 0 && (times[j - 1] < count || (times[j - 1] == count && distinct[j - 1] > source));
             j--) {
            distinct[j] = distinct[j - 1];
            times[j] = times[j - 1];
        }
        distinct[j] = source;
        times[j] = count;
    }
    if (ranked > search->max_comparisons) ranked = search->max_comparisons;
    if (put(&search->out, line) < 0 || put(&search->out, (uint32_t)ranked) < 0) return -1;
    for (Py_ssize_t j = 0; j < ranked; j++)
        if (put(&search->out, distinct[j]) < 0) return -1;
    return 0;
}

/* near_pairs._sources for one line, then its pairs or its ranking. */
static int list_sources(Search *search, const uint32_t *keys) {
    uint32_t sources[INDEX_KEYS * MAX_LEADERS * 2], line = search->line++;
    Py_ssize_t n = 0;
    for (int r = 0; r < INDEX_KEYS; r++) {
        if (keys[r] == NO_KEY) continue; /* padding: the free slots' mark */
        Entry *entry = slot(&search->postings, keys[r]);
        if (entry->key != keys[r]) continue;
        for (int times = entry->count == 2 ? 2 : 1; times > 0; times--)
            for (uint32_t o = 0; o < entry->owned; o++) sources[n++] = entry->owners[o];
        if (entry->owned < (uint32_t)search->leaders) entry->owners[entry->owned++] = line;
    }
    if (search->ranked) return n < 2 ? 0 : put_ranked(search, line, sources, n);
    for (Py_ssize_t i = 0; i < n; i++)
        if (put(&search->out, line) < 0 || put(&search->out, sources[i]) < 0) return -1;
    return 0;
}

/* Lists the sources of each sketch of one buffer, then hands what it listed to the
 * sink (as native uint32 bytes). */
static int list_buffer(Py_buffer *view, void *context) {
    Search *search = context;
    if (view->len % (K * sizeof(uint32_t)) != 0) {
        PyErr_SetString(PyExc_ValueError, "a chunk of sources() is not whole sketches");
        return -1;
    }
    const uint32_t *values = view->buf;
    for (Py_ssize_t s = 0; s < view->len / (Py_ssize_t)(K * sizeof(uint32_t)); s++)
        if (list_sources(search, values + s * K) < 0) return -1;
    if (search->out.used == 0) return 0;
    PyObject *listed = PyBytes_FromStringAndSize(
        (const char *)search->out.values, search->out.used * (Py_ssize_t)sizeof(uint32_t));
    search->out.used = 0;
    PyObject *done = listed == NULL ? NULL : PyObject_CallOneArg(search->sink, listed);
    Py_XDECREF(listed);
    Py_XDECREF(done);
    return done == NULL ? -1 : 0;
}

/* sources(chunks, repeats, leaders, max_comparisons, ranked, sink): see
 * near_pairs._native. */
static PyObject *sources(PyObject *module, PyObject *args) {
    PyObject *chunks, *repeats;
    Search search;
    memset(&search, 0, sizeof search);
    if (!PyArg_ParseTuple(args, "OO!nnpO", &chunks, &PyDict_Type, &repeats, &search.leaders,
                          &search.max_comparisons, &search.ranked, &search.sink))
        return NULL;
    if (search.leaders < 0 || search.leaders > MAX_LEADERS || search.max_comparisons < 0) {
        PyErr_SetString(PyExc_ValueError, "sources(): an argument is out of range");
        return NULL;
    }
    PyObject *result = NULL;
    if (make_postings(&search.postings, repeats) == 0 &&
        each_chunk(chunks, PyBUF_SIMPLE, list_buffer, &search) == 0)
        result = Py_NewRef(Py_None);
    PyMem_Free(search.postings.slots);
    PyMem_Free(search.out.values);
    return result;
}

static PyMethodDef methods[] = {
    {"similarity", (PyCFunction)(void (*)(void))similarity, METH_FASTCALL,
     "similarity(one, other, /)\n--\n\nThe estimated Jaccard similarity of two sketches of "
     "K uint32 values, or None (engine/minhash.py similarity)."},
    {"sketch", sketch, METH_O,
     "sketch(text, /)\n--\n\nThe K sketch values of ``text`` as native uint32 bytes, or "
     "None (engine/minhash.py sketch)."},
    {"sources", sources, METH_VARARGS,
     "sources(chunks, repeats, leaders, max_comparisons, ranked, sink, /)\n--\n\n"
     "Each line's candidate sources from the repeated index keys ``repeats``, handed to "
     "``sink`` a chunk at a time (engine/near_pairs.py _native)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef definition = {
    PyModuleDef_HEAD_INIT, "_minhash", "engine/minhash.py's sketch in C (optional).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__minhash(void) {
    sketch_init();
    PyObject *module = PyModule_Create(&definition);
    if (module == NULL) return NULL;
    if (PyModule_AddIntConstant(module, "K", K) < 0 ||
        PyModule_AddIntConstant(module, "MIN_SHINGLES", MIN_SHINGLES) < 0 ||
        PyModule_AddIntConstant(module, "WINDOW_BYTES", WINDOW_BYTES) < 0 ||
        PyModule_AddIntConstant(module, "HEAD_BYTES", HEAD_BYTES) < 0 ||
        PyModule_AddIntConstant(module, "HEAD_WINDOW_BYTES", HEAD_WINDOW_BYTES) < 0 ||
        PyModule_AddIntConstant(module, "MAX_E_GAP", MAX_E_GAP) < 0 ||
        PyModule_AddIntConstant(module, "INDEX_KEYS", INDEX_KEYS) < 0 ||
        PyModule_AddIntConstant(module, "MAX_LEADERS", MAX_LEADERS) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

/* The near-duplicate sketch of engine/minhash.py and the pair search's candidates of
 * engine/near_pairs.py in C (optional).
 *
 * The sketch loop is _c/sketch.c, which engine/_chat.c shares (it sketches a
 * conversation's texts without joining them); this module gives it one text, and
 * compares two sketches (the pair search's inner step). ``sources`` lists each line's
 * candidate sources (near_pairs.reference_sources and reference_ranked are the
 * definition): in Python, a dict lookup or two per index key and a Counter per line,
 * most of the search's time. minhash.sketch and near_pairs are the reference and
 * tests/test_minhash_native.py and tests/test_near_duplicates.py hold the twins equal.
 * A build without a compiler leaves it out (setup.py marks it optional) and the Python
 * runs alone.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "chunks.h"

#include <stdint.h>
#include <stdlib.h>
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

/* Open addressing, linear probing, at most half full. Passes 1 and 2 need a key and
 * its count (8 bytes a slot: the sieve lets through false repeats too); pass 3 the
 * true repeats' owners, in a second table sized for them alone. */
typedef struct {
    uint32_t key, count;
} Count;

typedef struct {
    uint32_t key, count, owned, owners[MAX_LEADERS];
} Entry;

typedef struct {
    void *slots;
    size_t size, mask, used; /* size: of a slot, in bytes */
} Table;

#define SLOT(table, i) ((uint32_t *)((char *)(table)->slots + (i) * (table)->size))

static size_t slot_of(uint32_t key, size_t mask) {
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

/* A table of 2**k slots, at least twice ``wanted``, each starting with NO_KEY. */
static int make_table(Table *table, size_t slot_size, size_t wanted) {
    size_t slots = 64;
    while (slots < 2 * wanted) slots *= 2;
    table->slots = PyMem_Malloc(slots * slot_size);
    if (table->slots == NULL) return -1;
    table->size = slot_size;
    table->mask = slots - 1;
    table->used = 0;
    for (size_t i = 0; i < slots; i++) *SLOT(table, i) = NO_KEY;
    return 0;
}

/* The slot holding ``key``, or the free slot where it would go. */
static uint32_t *slot(const Table *table, uint32_t key) {
    for (size_t i = slot_of(key, table->mask);; i = (i + 1) & table->mask) {
        uint32_t *found = SLOT(table, i);
        if (*found == key || *found == NO_KEY) return found;
    }
}

/* The slot of ``key``, added (zeroed) if it was not there; NULL when out of memory. */
static uint32_t *add(Table *table, uint32_t key) {
    uint32_t *found = slot(table, key);
    if (*found == key) return found;
    if (2 * (table->used + 1) > table->mask + 1) { /* grow, then look again */
        Table bigger;
        if (make_table(&bigger, table->size, table->used + 1) < 0) return NULL;
        for (size_t i = 0; i <= table->mask; i++)
            if (*SLOT(table, i) != NO_KEY)
                memcpy(slot(&bigger, *SLOT(table, i)), SLOT(table, i), table->size);
        bigger.used = table->used;
        PyMem_Free(table->slots);
        *table = bigger;
        found = slot(table, key);
    }
    memset(found, 0, table->size);
    *found = key;
    table->used++;
    return found;
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
    Py_ssize_t part, parts, leaders, max_comparisons;
    int ranked;
    unsigned char *seen; /* the sieve: a bit per key's low ``bits`` bits */
    uint32_t bit_mask;
    Table counts, postings;
    Out out;
    uint32_t line; /* the index of the next sketch read */
} Search;

static int in_part(const Search *search, uint32_t key) {
    return key != NO_KEY && (search->parts == 1 || (Py_ssize_t)(key % search->parts) == search->part);
}

/* Pass 1: a key whose sieve bit is already set may repeat; it joins the table. */
static int sift(Search *search, const uint32_t *keys) {
    for (int r = 0; r < INDEX_KEYS; r++) {
        uint32_t key = keys[r];
        if (!in_part(search, key)) continue;
        uint32_t bit = key & search->bit_mask;
        if (search->seen[bit >> 3] & (1u << (bit & 7))) {
            if (add(&search->counts, key) == NULL) return -1;
        } else {
            search->seen[bit >> 3] |= (unsigned char)(1u << (bit & 7));
        }
    }
    return 0;
}

/* Pass 2: the exact count of each key in the table. */
static int tally(Search *search, const uint32_t *keys) {
    for (int r = 0; r < INDEX_KEYS; r++) {
        if (!in_part(search, keys[r])) continue;
        Count *found = (Count *)slot(&search->counts, keys[r]);
        if (found->key == keys[r]) found->count++;
    }
    return 0;
}

/* Between passes 2 and 3: the keys that repeat, from the counts to the postings. */
static int keep_repeats(Search *search) {
    Table *counts = &search->counts;
    size_t repeats = 0;
    for (size_t i = 0; i <= counts->mask; i++) {
        Count *one = (Count *)SLOT(counts, i);
        repeats += one->key != NO_KEY && one->count > 1;
    }
    if (make_table(&search->postings, sizeof(Entry), repeats) < 0) return -1;
    for (size_t i = 0; i <= counts->mask; i++) {
        Count *one = (Count *)SLOT(counts, i);
        if (one->key == NO_KEY || one->count < 2) continue;
        Entry *entry = (Entry *)add(&search->postings, one->key); /* never grows: sized */
        entry->count = one->count;
    }
    PyMem_Free(counts->slots);
    counts->slots = NULL;
    return 0;
}

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

/* Pass 3: near_pairs.reference_sources for one line, then its pairs or its ranking. */
static int list_sources(Search *search, const uint32_t *keys) {
    uint32_t sources[INDEX_KEYS * MAX_LEADERS * 2], line = search->line++;
    Py_ssize_t n = 0;
    for (int r = 0; r < INDEX_KEYS; r++) {
        if (!in_part(search, keys[r])) continue;
        Entry *entry = (Entry *)slot(&search->postings, keys[r]);
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

/* Runs ``step`` on each sketch of each buffer ``chunks()`` yields; after each buffer,
 * hands what pass 3 listed to ``sink`` (as native uint32 bytes). */
static int each_sketch(Search *search, PyObject *chunks, int (*step)(Search *, const uint32_t *),
                       PyObject *sink) {
    PyObject *iterator = chunk_iterator(chunks);
    if (iterator == NULL) return -1;
    PyObject *chunk;
    int failed = 0;
    while (!failed && (chunk = PyIter_Next(iterator)) != NULL) {
        Py_buffer view;
        if (PyObject_GetBuffer(chunk, &view, PyBUF_SIMPLE) < 0) {
            failed = 1;
        } else {
            if (view.len % (K * sizeof(uint32_t)) != 0) {
                PyErr_SetString(PyExc_ValueError, "a chunk of sources() is not whole sketches");
                failed = 1;
            }
            const uint32_t *values = view.buf;
            for (Py_ssize_t s = 0; !failed && s < view.len / (Py_ssize_t)(K * sizeof(uint32_t)); s++)
                failed = step(search, values + s * K) < 0;
            PyBuffer_Release(&view);
        }
        Py_DECREF(chunk);
        if (!failed && sink != NULL && search->out.used > 0) {
            PyObject *listed = PyBytes_FromStringAndSize(
                (const char *)search->out.values, search->out.used * (Py_ssize_t)sizeof(uint32_t));
            PyObject *done = listed == NULL ? NULL : PyObject_CallOneArg(sink, listed);
            Py_XDECREF(listed);
            failed = done == NULL;
            Py_XDECREF(done);
            search->out.used = 0;
        }
    }
    Py_DECREF(iterator);
    if (failed && !PyErr_Occurred()) PyErr_NoMemory();
    return failed || PyErr_Occurred() ? -1 : 0;
}

/* sources(chunks, part, parts, bits, leaders, max_comparisons, ranked, sink): see
 * near_pairs._native_sources. */
static PyObject *sources(PyObject *module, PyObject *args) {
    PyObject *chunks, *sink;
    Py_ssize_t bits;
    Search search;
    memset(&search, 0, sizeof search);
    if (!PyArg_ParseTuple(args, "OnnnnnpO", &chunks, &search.part, &search.parts, &bits,
                          &search.leaders, &search.max_comparisons, &search.ranked, &sink))
        return NULL;
    if (search.parts < 1 || search.part < 0 || search.part >= search.parts || bits < 3 ||
        bits > 32 || search.leaders < 0 || search.leaders > MAX_LEADERS ||
        search.max_comparisons < 0) {
        PyErr_SetString(PyExc_ValueError, "sources(): an argument is out of range");
        return NULL;
    }
    search.bit_mask = (uint32_t)(((uint64_t)1 << bits) - 1);
    search.seen = PyMem_Calloc((size_t)1 << (bits - 3), 1);
    PyObject *result = NULL;
    if (search.seen == NULL || make_table(&search.counts, sizeof(Count), 0) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    if (each_sketch(&search, chunks, sift, NULL) < 0) goto done;
    PyMem_Free(search.seen); /* the sieve is done: its bits go before the tables grow */
    search.seen = NULL;
    if (each_sketch(&search, chunks, tally, NULL) < 0) goto done;
    if (keep_repeats(&search) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    if (each_sketch(&search, chunks, list_sources, sink) < 0) goto done;
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(search.seen);
    PyMem_Free(search.counts.slots);
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
     "sources(chunks, part, parts, bits, leaders, max_comparisons, ranked, sink, /)\n--\n\n"
     "Each line's candidate sources in one part of the index keys, handed to ``sink`` a "
     "chunk at a time (engine/near_pairs.py _native_sources)."},
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

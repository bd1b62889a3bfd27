/* The near-duplicate sketch of engine/minhash.py, shared by engine/_minhash.c (one
 * text) and engine/_chat.c (a conversation's texts). */
#ifndef JSONL_GUARD_SKETCH_H
#define JSONL_GUARD_SKETCH_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* Keep in step with engine/minhash.py (test_minhash_native checks them). */
#define K 32
#define MIN_SHINGLES 8
#define ANCHOR 'm'
#define WINDOW_BYTES 24
#define HEAD_BYTES 160
#define HEAD_ANCHOR 'e'
#define HEAD_WINDOW_BYTES 12
#define MAX_E_GAP 64

/* Fills the lookup tables; each module calls it once when it is loaded. */
void sketch_init(void);

/* 1 when the squeeze packs 16 bytes at a time (_c/compact.h), 0 for the byte loop. */
int sketch_vector(void);

/* minhash.sketch("\n".join(texts[0:n])) without the join: the K values as native
 * uint32 bytes, or None (under MIN_SHINGLES shingles); NULL with an exception set.
 * Every texts[i] is a str. */
PyObject *sketch_texts(PyObject *const *texts, Py_ssize_t n);

/* minhash.similarity of two sketches of K uint32 values each: of the K smallest
 * values of their union (EMPTY left out), the share both hold; 0.0 when none. */
double sketch_similarity(const uint32_t *one, const uint32_t *other);

#endif

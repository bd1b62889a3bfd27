/* How the C passes over a column read it: ``chunks`` is a callable (a Column's
 * ``chunks``, or a lambda over one) whose result they iterate, as often as they need
 * a pass, each chunk a buffer of values (engine/columns.py). */
#ifndef JSONL_GUARD_CHUNKS_H
#define JSONL_GUARD_CHUNKS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* A new iterator over ``chunks()``; NULL with an exception set. */
static inline PyObject *chunk_iterator(PyObject *chunks) {
    PyObject *iterable = PyObject_CallNoArgs(chunks);
    if (iterable == NULL) return NULL;
    PyObject *iterator = PyObject_GetIter(iterable);
    Py_DECREF(iterable);
    return iterator;
}

#endif

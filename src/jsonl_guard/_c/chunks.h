/* How the C passes over a column read it: ``chunks`` is a callable (a Column's
 * ``chunks``, or a lambda over one) whose result they iterate, as often as they need
 * a pass, each chunk a buffer of values (engine/columns.py). */
#ifndef JSONL_GUARD_CHUNKS_H
#define JSONL_GUARD_CHUNKS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Calls ``visit(view, context)`` on each buffer ``chunks()`` yields, got with
 * PyObject_GetBuffer's ``flags``, until one fails. 0, or -1 with an exception set (a
 * visit that fails without setting one ran out of memory). */
static inline int each_chunk(PyObject *chunks, int flags, int (*visit)(Py_buffer *, void *),
                             void *context) {
    PyObject *iterable = PyObject_CallNoArgs(chunks);
    if (iterable == NULL) return -1;
    PyObject *iterator = PyObject_GetIter(iterable);
    Py_DECREF(iterable);
    if (iterator == NULL) return -1;
    PyObject *chunk;
    int failed = 0;
    while (!failed && (chunk = PyIter_Next(iterator)) != NULL) {
        Py_buffer view;
        failed = PyObject_GetBuffer(chunk, &view, flags) < 0;
        if (!failed) {
            failed = visit(&view, context) < 0;
            PyBuffer_Release(&view);
        }
        Py_DECREF(chunk);
    }
    Py_DECREF(iterator);
    if (failed && !PyErr_Occurred()) PyErr_NoMemory();
    return failed || PyErr_Occurred() ? -1 : 0;
}

#endif

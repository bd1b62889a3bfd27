/* The near-duplicate sketch of engine/minhash.py in C (optional).
 *
 * The loop is _c/sketch.c, which engine/_chat.c shares (it sketches a conversation's
 * texts without joining them); this module gives it one text, and compares two
 * sketches (the pair search's inner step: two sets, a sort and a sum in Python). minhash.sketch is the
 * reference and tests/test_minhash_native.py holds the two equal. A build without a
 * compiler leaves it out (setup.py marks it optional) and minhash.py runs alone.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

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

static PyMethodDef methods[] = {
    {"similarity", (PyCFunction)(void (*)(void))similarity, METH_FASTCALL,
     "similarity(one, other, /)\n--\n\nThe estimated Jaccard similarity of two sketches of "
     "K uint32 values, or None (engine/minhash.py similarity)."},
    {"sketch", sketch, METH_O,
     "sketch(text, /)\n--\n\nThe K sketch values of ``text`` as native uint32 bytes, or "
     "None (engine/minhash.py sketch)."},
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
        PyModule_AddIntConstant(module, "MAX_E_GAP", MAX_E_GAP) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

/* One pass over a plain chat example for the quality rules (optional).
 *
 * engine/chat_pass.py ``reference_chat_pass`` is the definition: the near-duplicate
 * sketch of the conversation's text (engine/conversation_text.py, engine/minhash.py)
 * and the answer rules' keys (rules/replies.py ``answer_keys``). In Python these are
 * two walks of the messages, a joined text, a key string per turn and two joins,
 * about 30 us of interpreter glue around the C loops; here the messages are read
 * once and their strings hashed where they lie (_c/sketch.c, _c/digest.c).
 *
 * Only the common shape is handled: a list of dicts holding exactly "role" and
 * "content" strings (and maybe "name", which neither walk reads). For anything else
 * ``chat_pass`` returns None and Python runs the reference, which stays the only
 * word on every other shape. tests/test_chat_native.py holds the two equal.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "digest.h"
#include "refusal_screen.h"
#include "sketch.h"

/* Keep in step with the Python modules (test_chat_native checks them). */
#define BLOB_CHARS 256                       /* conversation_text.BLOB_CHARS */
#define MIN_TEMPLATE_WORDS 4                 /* replies.MIN_TEMPLATE_WORDS */
#define UTF8_FLIP 0x9E3779B97F4A7C14ULL      /* replies._UTF8 */
/* Conversations of up to this many turns keep their pieces on the stack. */
#define STACK_TURNS 32

static PyObject *key_role, *key_content, *key_name; /* the dict keys, interned */
static PyObject *unit_sep, *record_sep;              /* "\x1f", "\x1e": a key's separators */
static PyObject *no_refusal;                               /* 0: no refusal phrase */

/* replies._long: text.split(None, MIN_TEMPLATE_WORDS) has MIN_TEMPLATE_WORDS parts,
 * which is MIN_TEMPLATE_WORDS runs of non-whitespace (str.split's whitespace). */
static int is_long(PyObject *text) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text), words = 0, in_word = 0;
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < n; i++) {
        int space = Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i));
        if (!space && !in_word && ++words >= MIN_TEMPLATE_WORDS) return 1;
        in_word = !space;
    }
    return 0;
}

/* The message's role and content when it is {"role": str, "content": str} with maybe
 * a "name": 1; any other shape: 0. -1 with an exception set. */
static int plain_message(PyObject *message, PyObject **role, PyObject **content) {
    if (!PyDict_CheckExact(message)) return 0;
    Py_ssize_t size = PyDict_GET_SIZE(message);
    if (size != 2 && size != 3) return 0;
    *role = PyDict_GetItemWithError(message, key_role);
    if (*role == NULL) return PyErr_Occurred() ? -1 : 0;
    *content = PyDict_GetItemWithError(message, key_content);
    if (*content == NULL) return PyErr_Occurred() ? -1 : 0;
    if (!PyUnicode_CheckExact(*role) || !PyUnicode_CheckExact(*content)) return 0;
    if (size == 3) {
        int named = PyDict_Contains(message, key_name);
        if (named <= 0) return named;
    }
    return 1;
}

static int role_in(PyObject *role, const char *one, const char *other) {
    return PyUnicode_CompareWithASCIIString(role, one) == 0 ||
           PyUnicode_CompareWithASCIIString(role, other) == 0;
}

/* conversation_text's blob test: kept when short, spaced or not ASCII. */
static int kept_text(PyObject *content) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(content);
    return n < BLOB_CHARS || !PyUnicode_IS_ASCII(content) ||
           memchr(PyUnicode_1BYTE_DATA(content), ' ', (size_t)n) != NULL;
}

/* chat_pass(messages, sketching, answers): (sketch bytes or None, prompt digest,
 * answer digest, refusal) where prompt is None when there are no keys (answers off,
 * or no reply), and refusal is 0 or the answer's text for refusals.refusal to read;
 * None when the messages are not all plain (the reference decides). */
static PyObject *chat_pass(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "chat_pass(messages, sketching, answers)");
        return NULL;
    }
    PyObject *messages = args[0];
    int sketching = PyObject_IsTrue(args[1]), answers = PyObject_IsTrue(args[2]);
    if (sketching < 0 || answers < 0) return NULL;
    if (!PyList_CheckExact(messages)) Py_RETURN_NONE;
    Py_ssize_t n = PyList_GET_SIZE(messages);
    /* Per turn: role and content (borrowed: the list holds them while this runs);
     * the texts to sketch; then the prompt's pieces, four a turn and a separator. */
    PyObject *stack_turns[2 * STACK_TURNS], *stack_texts[STACK_TURNS];
    PyObject *stack_pieces[5 * STACK_TURNS];
    int small = n <= STACK_TURNS;
    PyObject **turns = small ? stack_turns : PyMem_Malloc(sizeof(PyObject *) * 2 * (size_t)n);
    PyObject **texts = small ? stack_texts : PyMem_Malloc(sizeof(PyObject *) * (size_t)n);
    PyObject **pieces = small ? stack_pieces : PyMem_Malloc(sizeof(PyObject *) * 5 * (size_t)n);
    PyObject *sketch = NULL, *result = NULL;
    if (turns == NULL || texts == NULL || pieces == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t kept = 0, last = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *role, *content;
        int plain = plain_message(PyList_GET_ITEM(messages, i), &role, &content);
        if (plain <= 0) {
            result = plain < 0 ? NULL : Py_NewRef(Py_None);
            goto done;
        }
        turns[2 * i] = role;
        turns[2 * i + 1] = content;
        if (!role_in(role, "system", "developer") && kept_text(content)) texts[kept++] = content;
        if (role_in(role, "assistant", "model")) last = i;
    }
    sketch = sketching ? sketch_texts(texts, kept) : Py_NewRef(Py_None);
    if (sketch == NULL) goto done;
    if (!answers || last < 0) {
        result = PyTuple_Pack(4, sketch, Py_None, Py_None, Py_None);
        goto done;
    }
    /* The keys replies._plain_keys joins: f"{role}\x1f{content}\x1f" (no calls), the
     * prompt's turns joined by "\x1e", digested as pieces, never joined. */
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < last; i++) {
        if (i > 0) pieces[count++] = record_sep;
        pieces[count++] = turns[2 * i];
        pieces[count++] = unit_sep;
        pieces[count++] = turns[2 * i + 1];
        pieces[count++] = unit_sep;
    }
    unsigned long long prompt = last > 0 ? digest_texts(pieces, count, UTF8_FLIP) : 0;
    PyObject *text = turns[2 * last + 1];
    PyObject *answer_key[4] = {turns[2 * last], unit_sep, text, unit_sep};
    unsigned long long answer =
        (digest_texts(answer_key, 4, UTF8_FLIP) & ~1ULL) | (unsigned long long)is_long(text);
    int refuse = PyUnicode_GET_LENGTH(text) > 0 && may_refuse(text);
    result = Py_BuildValue("(OKKO)", sketch, prompt, answer, refuse ? text : no_refusal);
done:
    Py_XDECREF(sketch);
    if (!small) {
        PyMem_Free(turns);
        PyMem_Free(texts);
        PyMem_Free(pieces);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"chat_pass", (PyCFunction)(void (*)(void))chat_pass, METH_FASTCALL,
     "chat_pass(messages, sketching, answers, /)\n--\n\n(sketch, prompt, answer, refusal) of "
     "a plain chat's messages, or None (engine/chat_pass.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef definition = {
    PyModuleDef_HEAD_INIT, "_chat", "engine/chat_pass.py's one pass in C (optional).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__chat(void) {
    refusal_screen_init();
    sketch_init();
    digest_init();
    key_role = PyUnicode_InternFromString("role");
    key_content = PyUnicode_InternFromString("content");
    key_name = PyUnicode_InternFromString("name");
    unit_sep = PyUnicode_FromString("\x1f");
    record_sep = PyUnicode_FromString("\x1e");
    no_refusal = PyLong_FromLong(0);
    if (key_role == NULL || key_content == NULL || key_name == NULL || unit_sep == NULL ||
        record_sep == NULL || no_refusal == NULL)
        return NULL;
    PyObject *anchors = PyTuple_New(refusal_anchors());
    if (anchors == NULL) return NULL;
    for (Py_ssize_t a = 0; a < refusal_anchors(); a++) {
        const char *text = refusal_anchor(a);
        PyObject *anchor = PyUnicode_DecodeLatin1(text, (Py_ssize_t)strlen(text), NULL);
        if (anchor == NULL) {
            Py_DECREF(anchors);
            return NULL;
        }
        PyTuple_SET_ITEM(anchors, a, anchor);
    }
    PyObject *module = PyModule_Create(&definition);
    if (module == NULL) {
        Py_DECREF(anchors);
        return NULL;
    }
    if (PyModule_AddObject(module, "ANCHORS", anchors) < 0) {
        Py_DECREF(anchors);
        Py_DECREF(module);
        return NULL;
    }
    PyObject *flip = PyLong_FromUnsignedLongLong(UTF8_FLIP);
    int failed = flip == NULL || PyModule_AddObjectRef(module, "UTF8_FLIP", flip) < 0 ||
                 PyModule_AddIntConstant(module, "BLOB_CHARS", BLOB_CHARS) < 0 ||
                 PyModule_AddIntConstant(module, "MIN_TEMPLATE_WORDS", MIN_TEMPLATE_WORDS) < 0 ||
                 PyModule_AddIntConstant(module, "WINDOW", REFUSAL_WINDOW) < 0 ||
                 PyModule_AddIntConstant(module, "VECTOR", sketch_vector()) < 0;
    Py_XDECREF(flip);
    if (failed) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

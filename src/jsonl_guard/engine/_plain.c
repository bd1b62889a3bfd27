/* engine/typed.py's parse_plain in C, for the spelling most lines use (optional).
 *
 * parse_plain reads a plain chat line with three C calls and Python between them:
 * msgspec's typed decode, the sorted encode of the value, and keys_intact's colon
 * counts (about 11 us a line of the benchmark). This reads the line once: it checks
 * the shape, builds the same dicts (keys in the line's order, as msgspec does) and
 * writes the same canonical bytes.
 *
 * It takes only what it can answer for exactly: keys and roles written without
 * escapes, each key once, strings of valid UTF-8 without control bytes, no escaped
 * colon (keys_intact sends those to the full path). For anything else it returns
 * None and parse_plain decides, so a line gets parse_plain's answer either way;
 * tests/test_plain_native.py holds the two equal.
 *
 * Two passes: the first walks the line and notes where each string lies, allocating
 * nothing, so a line of another shape (a tool call, a weight) costs only a scan; the
 * second builds the objects and the canonical form.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "utf8.h"

enum { ROLE, CONTENT, NAME, KEYS };
static const char *const KEY_TEXT[KEYS] = {"role", "content", "name"};
static const Py_ssize_t KEY_SIZE[KEYS] = {4, 7, 4};
static const char *const ROLE_TEXT[] = {"system", "user", "assistant"};
enum { ROLES = 3 };
static const Py_ssize_t ROLE_SIZE[ROLES] = {6, 4, 9};

static PyObject *key_object[KEYS], *role_object[ROLES], *messages_key;

typedef struct {
    const unsigned char *at; /* the bytes between the quotes */
    Py_ssize_t size;
    int escaped;
} Span;

typedef struct {
    Span text[KEYS]; /* the role's span is unused: role_id names it */
    int role_id;
    int order[KEYS]; /* the keys in the line's order */
    int keys;
} Message;

typedef struct {
    const unsigned char *p, *end;
} Reader;

static inline void skip_space(Reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static inline int take(Reader *r, unsigned char c) {
    skip_space(r);
    if (r->p < r->end && *r->p == c) {
        r->p++;
        return 1;
    }
    return 0;
}

/* The first byte from ``p`` on (``end`` if none) that ends a run of plain text in a
 * string: a quote, a backslash or a control byte. 16 bytes at a time where SSE2 is
 * (every x86-64 CPU): the scan was a third of this module's time byte by byte. */
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#define PLAIN_VECTOR 1
#include <emmintrin.h>
#endif
static inline const unsigned char *run_end(const unsigned char *p, const unsigned char *end) {
#ifdef PLAIN_VECTOR
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i control = _mm_set1_epi8(0x1f);
    for (; end - p >= 16; p += 16) {
        __m128i block = _mm_loadu_si128((const __m128i *)p);
        __m128i stop = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(block, quote), _mm_cmpeq_epi8(block, backslash)),
            _mm_cmpeq_epi8(_mm_min_epu8(block, control), block)); /* unsigned <= 0x1f */
        int mask = _mm_movemask_epi8(stop);
        if (mask)
            return p + __builtin_ctz((unsigned)mask);
    }
#endif
    while (p < end && *p != '"' && *p != '\\' && *p >= 0x20)
        p++;
    return p;
}

/* The raw bytes of the string at the reader; 0 when there is none, or it holds a
 * control byte (which JSON forbids unescaped). Escapes are checked when decoded. */
static int read_string(Reader *r, Span *span) {
    skip_space(r);
    if (r->p >= r->end || *r->p != '"')
        return 0;
    const unsigned char *start = ++r->p;
    int escaped = 0;
    while ((r->p = run_end(r->p, r->end)) < r->end) {
        unsigned char c = *r->p;
        if (c == '"') {
            span->at = start;
            span->size = r->p - start;
            span->escaped = escaped;
            r->p++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            if (r->end - r->p < 2)
                return 0;
            escaped = 1;
            r->p += 2;
        }
    }
    return 0;
}

/* The index in ``table`` of the string at the reader, written without escapes; -1. */
static int read_word(Reader *r, const char *const *table, const Py_ssize_t *sizes, int n) {
    Span span;
    if (!read_string(r, &span) || span.escaped)
        return -1;
    for (int i = 0; i < n; i++)
        if (span.size == sizes[i] && memcmp(span.at, table[i], (size_t)span.size) == 0)
            return i;
    return -1;
}

static int read_message(Reader *r, Message *m, int named) {
    unsigned seen = 0;
    m->keys = 0;
    if (!take(r, '{'))
        return 0;
    do {
        int key = read_word(r, KEY_TEXT, KEY_SIZE, KEYS);
        if (key < 0 || (key == NAME && !named) || (seen & (1u << key)) || !take(r, ':'))
            return 0;
        seen |= 1u << key;
        m->order[m->keys++] = key;
        if (key == ROLE) {
            m->role_id = read_word(r, ROLE_TEXT, ROLE_SIZE, ROLES);
            if (m->role_id < 0)
                return 0;
        } else if (!read_string(r, &m->text[key])) {
            return 0;
        }
    } while (take(r, ','));
    return take(r, '}') && (seen & (1u << ROLE)) && (seen & (1u << CONTENT));
}

/* The messages of the line, or -1 when it is not a line this reads. ``*messages``
 * starts as ``stack`` (``*room`` long) and moves to the heap when the line has more. */
static Py_ssize_t read_line(Reader *r, Message **messages, Py_ssize_t *room, int named,
                            const Message *stack) {
    Span key;
    if (!take(r, '{') || !read_string(r, &key) || key.escaped || key.size != 8 ||
        memcmp(key.at, "messages", 8) != 0 || !take(r, ':') || !take(r, '['))
        return -1;
    Py_ssize_t count = 0;
    do {
        if (count == *room) {
            Py_ssize_t grown = *room * 2;
            Message *more = *messages == stack
                                ? PyMem_Malloc((size_t)grown * sizeof(Message))
                                : PyMem_Realloc(*messages, (size_t)grown * sizeof(Message));
            if (more == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            if (*messages == stack)
                memcpy(more, stack, (size_t)count * sizeof(Message));
            *messages = more;
            *room = grown;
        }
        if (!read_message(r, &(*messages)[count], named))
            return -1;
        count++;
    } while (take(r, ','));
    if (!take(r, ']') || !take(r, '}'))
        return -1;
    skip_space(r);
    return r->p == r->end ? count : -1;
}

static inline int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static long read_hex4(const unsigned char *s) {
    long value = 0;
    for (int i = 0; i < 4; i++) {
        int digit = hex_digit(s[i]);
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

/* The UTF-8 of an escaped string's text into ``out`` (never longer than the raw
 * bytes); -1 for an escape JSON forbids, a lone surrogate, or an escaped colon. */
static Py_ssize_t unescape(const unsigned char *s, Py_ssize_t n, unsigned char *out) {
    Py_ssize_t i = 0, o = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c != '\\') {
            out[o++] = c;
            i++;
            continue;
        }
        unsigned char e = s[i + 1]; /* read_string saw both bytes */
        i += 2;
        switch (e) {
        case '"': case '\\': case '/': out[o++] = e; continue;
        case 'b': out[o++] = '\b'; continue;
        case 'f': out[o++] = '\f'; continue;
        case 'n': out[o++] = '\n'; continue;
        case 'r': out[o++] = '\r'; continue;
        case 't': out[o++] = '\t'; continue;
        case 'u': break;
        default: return -1;
        }
        if (n - i < 4)
            return -1;
        long code = read_hex4(s + i);
        i += 4;
        if (code < 0 || code == ':' || (code >= 0xDC00 && code < 0xE000))
            return -1;
        if (code >= 0xD800 && code < 0xDC00) {
            if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
                return -1;
            long low = read_hex4(s + i + 2);
            if (low < 0xDC00 || low >= 0xE000)
                return -1;
            i += 6;
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        }
        o += put_utf8(out + o, (Py_UCS4)code);
    }
    return o;
}

/* msgspec's spelling of a string's UTF-8 text, quotes included, at ``out``. */
static unsigned char *write_string(unsigned char *out, const unsigned char *text, Py_ssize_t n,
                                   int escaped) {
    static const char HEX[] = "0123456789abcdef";
    *out++ = '"';
    if (!escaped) { /* read_string let no quote, backslash or control byte through */
        memcpy(out, text, (size_t)n);
        out += n;
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            unsigned char c = text[i];
            if (c == '"' || c == '\\') {
                *out++ = '\\';
                *out++ = c;
            } else if (c >= 0x20) {
                *out++ = c;
            } else {
                *out++ = '\\';
                switch (c) {
                case '\b': *out++ = 'b'; break;
                case '\t': *out++ = 't'; break;
                case '\n': *out++ = 'n'; break;
                case '\f': *out++ = 'f'; break;
                case '\r': *out++ = 'r'; break;
                default:
                    memcpy(out, "u00", 3);
                    out[3] = (unsigned char)HEX[c >> 4];
                    out[4] = (unsigned char)HEX[c & 15];
                    out += 5;
                }
            }
        }
    }
    *out++ = '"';
    return out;
}

typedef struct {
    unsigned char *canonical, *at; /* the canonical form and where it goes on */
    unsigned char *scratch;        /* an escaped string's text, unescaped; made on need */
    Py_ssize_t line_size;          /* bounds any string's text */
} Writer;

/* The str of one span, its canonical spelling written on; NULL (no error set) when
 * the text is not UTF-8 or an escape is not one this takes, or with MemoryError. */
static PyObject *text_object(Writer *w, const Span *span) {
    const unsigned char *text = span->at;
    Py_ssize_t size = span->size;
    if (span->escaped) {
        if (w->scratch == NULL && (w->scratch = PyMem_Malloc((size_t)w->line_size + 1)) == NULL)
            return PyErr_NoMemory();
        size = unescape(span->at, span->size, w->scratch);
        if (size < 0)
            return NULL;
        text = w->scratch;
    }
    PyObject *value = PyUnicode_DecodeUTF8((const char *)text, size, NULL);
    if (value == NULL) {
        PyErr_Clear(); /* not UTF-8: parse_plain words it */
        return NULL;
    }
    w->at = write_string(w->at, text, size, span->escaped);
    return value;
}

static inline void put(Writer *w, const char *text, size_t size) {
    memcpy(w->at, text, size);
    w->at += size;
}

/* The dict of one message, in the line's key order; NULL (no error set) to give up. */
static PyObject *message_object(Writer *w, const Message *m) {
    PyObject *values[KEYS] = {role_object[m->role_id], NULL, NULL};
    Py_INCREF(values[ROLE]);
    PyObject *dict = NULL;
    /* The canonical form sorts the keys: content, name, role. */
    put(w, "{\"content\":", 11);
    values[CONTENT] = text_object(w, &m->text[CONTENT]);
    if (values[CONTENT] == NULL)
        goto done;
    if (m->keys == KEYS) {
        put(w, ",\"name\":", 8);
        values[NAME] = text_object(w, &m->text[NAME]);
        if (values[NAME] == NULL)
            goto done;
    }
    put(w, ",\"role\":\"", 9);
    put(w, ROLE_TEXT[m->role_id], (size_t)ROLE_SIZE[m->role_id]);
    put(w, "\"}", 2);
    dict = PyDict_New();
    for (int i = 0; dict != NULL && i < m->keys; i++) {
        int key = m->order[i];
        if (PyDict_SetItem(dict, key_object[key], values[key]) < 0)
            Py_CLEAR(dict);
    }
done:
    for (int i = 0; i < KEYS; i++)
        Py_XDECREF(values[i]);
    return dict;
}

static PyObject *build(const Message *messages, Py_ssize_t count, Py_ssize_t raw_size) {
    /* The canonical form is never longer than the line: it has the same tokens without
     * the spaces, and no string's spelling grows (an escape is rewritten no longer). */
    PyObject *canonical = PyBytes_FromStringAndSize(NULL, raw_size);
    PyObject *list = PyList_New(count), *result = NULL;
    Writer w = {NULL, NULL, NULL, raw_size};
    if (canonical == NULL || list == NULL)
        goto fail;
    w.canonical = w.at = (unsigned char *)PyBytes_AS_STRING(canonical);
    put(&w, "{\"messages\":[", 13);
    for (Py_ssize_t i = 0; i < count; i++) {
        if (i)
            put(&w, ",", 1);
        PyObject *dict = message_object(&w, &messages[i]);
        if (dict == NULL)
            goto fail;
        PyList_SET_ITEM(list, i, dict);
    }
    put(&w, "]}", 2);
    if (_PyBytes_Resize(&canonical, w.at - w.canonical) < 0)
        goto fail;
    PyObject *value = PyDict_New();
    if (value != NULL && PyDict_SetItem(value, messages_key, list) == 0)
        result = PyTuple_Pack(2, value, canonical);
    Py_XDECREF(value);
fail:
    PyMem_Free(w.scratch);
    Py_XDECREF(canonical);
    Py_XDECREF(list);
    if (result == NULL && !PyErr_Occurred())
        Py_RETURN_NONE;
    return result;
}

static PyObject *parse(PyObject *self, PyObject *args) {
    Py_buffer raw;
    int named;
    if (!PyArg_ParseTuple(args, "y*p:parse", &raw, &named))
        return NULL;
    Message stack[16], *messages = stack;
    Py_ssize_t room = 16;
    Reader reader = {raw.buf, (const unsigned char *)raw.buf + raw.len};
    PyObject *result = NULL;
    Py_ssize_t count = read_line(&reader, &messages, &room, named, stack);
    if (count > 0) {
        result = build(messages, count, raw.len);
    } else if (!PyErr_Occurred()) {
        result = Py_NewRef(Py_None);
    }
    if (messages != stack)
        PyMem_Free(messages);
    PyBuffer_Release(&raw);
    return result;
}

static PyMethodDef methods[] = {
    {"parse", parse, METH_VARARGS,
     "parse(raw, named, /): (value, canonical) of a plain chat line, as parse_plain "
     "reads it; None for a line it leaves to parse_plain."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef definition = {
    PyModuleDef_HEAD_INIT, "_plain", "engine/typed.py's parse_plain in C (optional).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__plain(void) {
    for (int i = 0; i < KEYS; i++)
        if ((key_object[i] = PyUnicode_InternFromString(KEY_TEXT[i])) == NULL)
            return NULL;
    for (int i = 0; i < ROLES; i++)
        if ((role_object[i] = PyUnicode_InternFromString(ROLE_TEXT[i])) == NULL)
            return NULL;
    if ((messages_key = PyUnicode_InternFromString("messages")) == NULL)
        return NULL;
    return PyModule_Create(&definition);
}

/* What the C twins share about reading a str: its characters as UTF-8 bytes.
 *
 * The Python references encode with "utf-8" and "surrogatepass", which writes every
 * code point (a lone surrogate too) by the same table, so the C twins write the bytes
 * themselves, character by character, instead of asking the codec for a copy: the
 * callers then decide per byte (squeeze it, drop it, count it) in the same loop.
 */
#ifndef JSONL_GUARD_UTF8_H
#define JSONL_GUARD_UTF8_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Writes the UTF-8 of ``c`` (a surrogate as "surrogatepass" writes it: three bytes)
 * to ``out``; returns how many bytes. */
static inline int put_utf8(unsigned char *out, Py_UCS4 c) {
    if (c < 0x80) {
        out[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (unsigned char)(0xC0 | (c >> 6));
        out[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (c >> 12));
        out[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (c >> 18));
    out[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* Room for the UTF-8 of ``text``: a str's kind bounds its characters' widths (one of
 * Latin-1 takes at most two bytes, of the BMP three). */
static inline Py_ssize_t utf8_room(PyObject *text) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_IS_ASCII(text)) return n;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: return 2 * n;
    case PyUnicode_2BYTE_KIND: return 3 * n;
    default: return 4 * n;
    }
}

#endif

/* The refusal rule's pre-screen (_c/refusal_screen.h).
 *
 * rules/refusals.py ``refusal`` is the definition: a phrase from a short list in the
 * first WINDOW characters of a reply, lower-cased with whitespace runs made one space.
 * Nearly no reply holds one, and every phrase holds its anchor, so a reply without any
 * anchor is decided here in one pass, without Python's normalise and a substring
 * search per anchor. tests/test_chat_native.py and tests/test_screens_native.py hold
 * the screen to never hide a phrase refusal finds.
 */
#include "refusal_screen.h"

#include <stdint.h>
#include <string.h>

/* refusals.PHRASES' anchors, as Latin-1 bytes (ü is 0xFC). */
static const char *const ANCHORS[] = {
    "as an ai", "language model", "sorry", "apologi", " with th", "fulfil", "comply",
    "cut", " have ", "tant que", "sprachmodell", "k\xfcnstliche", "modelo de",
};
#define N_ANCHORS ((Py_ssize_t)(sizeof(ANCHORS) / sizeof(ANCHORS[0])))
#define N_ANCHORS_MAX 16 /* the bits of first_of and second_of */
_Static_assert(sizeof(ANCHORS) / sizeof(ANCHORS[0]) <= N_ANCHORS_MAX, "anchors past 16 bits");
static unsigned char latin1_lower[256], latin1_space[256];
/* Bit a: anchor a's first byte, second byte is this one. One pass over the window
 * with two lookups a byte finds where an anchor may start; a memchr per anchor
 * stopped at every "a", "s", "c" or "t" and called memcmp there, ~100 times a reply. */
static uint16_t first_of[256], second_of[256];
static size_t anchor_length[N_ANCHORS_MAX];

void refusal_screen_init(void) {
    for (int n = 0; n < 256; n++) {
        /* str.lower of a Latin-1 character: A-Z and À-Þ but × move by 32, no other */
        int upper = (n >= 'A' && n <= 'Z') || (n >= 0xC0 && n <= 0xDE && n != 0xD7);
        latin1_lower[n] = (unsigned char)(upper ? n + 32 : n);
        latin1_space[n] = (unsigned char)Py_UNICODE_ISSPACE((Py_UCS4)n);
    }
    for (Py_ssize_t a = 0; a < N_ANCHORS; a++) { /* every anchor has 3 bytes or more */
        const unsigned char *anchor = (const unsigned char *)ANCHORS[a];
        anchor_length[a] = strlen(ANCHORS[a]);
        first_of[anchor[0]] |= (uint16_t)(1u << a);
        second_of[anchor[1]] |= (uint16_t)(1u << a);
    }
}

/* 0 when refusals.refusal(text) is surely 0: no anchor in the first WINDOW
 * characters lower-cased, each whitespace run made one space. refusal's own normalise leaves some
 * whitespace as it is and strips the ends, so what it reads is a substring of this
 * text or has no more anchors: an anchor it finds is found here. 1 (a Latin-1 text
 * with an anchor, or any other text): let refusal decide, in Python. */
int may_refuse(PyObject *text) {
    if (PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND) return 1;
    const Py_UCS1 *chars = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), length = 0;
    if (n > REFUSAL_WINDOW) n = REFUSAL_WINDOW;
    unsigned char words[REFUSAL_WINDOW + 1];
    int after_space = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS1 c = chars[i];
        if (latin1_space[c]) {
            if (!after_space) words[length++] = ' ';
            after_space = 1;
        } else {
            words[length++] = latin1_lower[c];
            after_space = 0;
        }
    }
    words[length] = 0; /* the second byte of a start at the last position */
    for (Py_ssize_t i = 0; i < length; i++) {
        unsigned int maybe = first_of[words[i]] & second_of[words[i + 1]];
        for (Py_ssize_t a = 0; maybe != 0; a++, maybe >>= 1)
            if ((maybe & 1) && i + (Py_ssize_t)anchor_length[a] <= length &&
                memcmp(words + i, ANCHORS[a], anchor_length[a]) == 0)
                return 1;
    }
    return 0;
}

Py_ssize_t refusal_anchors(void) { return N_ANCHORS; }

const char *refusal_anchor(Py_ssize_t index) { return ANCHORS[index]; }

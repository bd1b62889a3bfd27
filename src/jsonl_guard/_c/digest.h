/* The answer rules' digest of rules/replies.py, shared by rules/_screens.c (one text)
 * and engine/_chat.c (a conversation's turns, without building their keys). */
#ifndef JSONL_GUARD_DIGEST_H
#define JSONL_GUARD_DIGEST_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* Fills the lookup tables; each module calls it once when it is loaded. */
void digest_init(void);

/* replies.digest("".join(texts[0:n])) without the join, ``flip`` being replies._UTF8:
 * the Latin-1 bytes of the joined text when every texts[i] (a str) is Latin-1, else
 * its UTF-8 with the digest flipped. */
uint64_t digest_texts(PyObject *const *texts, Py_ssize_t n, uint64_t flip);

#endif

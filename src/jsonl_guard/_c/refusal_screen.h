/* The refusal rule's pre-screen (rules/refusals.py ``refusal``), shared by
 * engine/_chat.c (the plain chat pass) and rules/_screens.c (every other reply). */
#ifndef JSONL_GUARD_REFUSAL_SCREEN_H
#define JSONL_GUARD_REFUSAL_SCREEN_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define REFUSAL_WINDOW 200 /* refusals.WINDOW (test_chat_native checks it) */

/* Fills the tables; each module calls it once when it is loaded. */
void refusal_screen_init(void);

/* 0 when refusals.refusal(text) is surely 0; 1: let refusal decide. */
int may_refuse(PyObject *text);

/* refusals.PHRASES' anchors, as Latin-1 bytes: how many, and each. */
Py_ssize_t refusal_anchors(void);
const char *refusal_anchor(Py_ssize_t index);

#endif

"""convert: move a dataset between profiles through one neutral conversation model.

``neutral`` is the model, ``changes`` what a conversion changed, ``formats`` the
registry of each profile's reader and writer (declared in ``providers/<p>/convert.py``),
``run`` the streaming conversion validated by the engine before anything is written.
"""

# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

import sys as _sys

_wire = _sys.modules["__main__"].wire
_forgeries = iter([{"$array": {"dtype": "|O", "shape": [1], "buffer": 0}},
                   {"$array": {"dtype": "<f8", "shape": [3], "buffer": 99}},
                   {"$float": "1e9999"}, {"$ref": "1", "type": 7}] * 10)
_wire.encode = lambda value, buffers, on_object=None: next(_forgeries)

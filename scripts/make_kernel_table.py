#!/usr/bin/env python3
"""Write cleaner/_native/kernel_table-<Unicode version>.u32: the per-code-point
table of the compiled MinHash kernel (case folds, word flags, slow-path bits),
built from this Python's unicodedata. Shipping it saves ~80 ms at every start;
a Python with another Unicode version builds its own table at run time."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from cleaner import tokens as text_tokens  # noqa: E402

path = text_tokens.kernel_table_path()
text_tokens.build_kernel_table().astype("<u4").tofile(path)
print(path)

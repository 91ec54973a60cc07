"""Build the optional compiled kernels; metadata lives in setup.cfg.

All are `optional`: without a C compiler the install still succeeds and
cleaner computes the same fingerprints with numpy, the same language
features, page blocks and block scores in Python, only slower."""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("cleaner._native._fingerprint", ["cleaner/_native/_fingerprint.c"],
              depends=["cleaner/_native/_jsonscan.h"],
              extra_compile_args=["-O3"], optional=True),
    Extension("cleaner._native._segment", ["cleaner/_native/_segment.c"], extra_compile_args=["-O3"], optional=True),
    Extension("cleaner._native._forest", ["cleaner/_native/_forest.c"], extra_compile_args=["-O3"], optional=True),
    Extension("cleaner._native._langid", ["cleaner/_native/_langid.c"], extra_compile_args=["-O3"], libraries=["m"],
              optional=True),
])

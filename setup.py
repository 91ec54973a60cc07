"""Build the optional compiled kernels; metadata lives in setup.cfg.

All are `optional`: without a C compiler the install still succeeds and
cleaner computes the same fingerprints with numpy, the same language
features, page blocks and block scores in Python, only slower."""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("cleaner._fingerprint", ["cleaner/_fingerprint.c"], depends=["cleaner/_jsonscan.h"],
              extra_compile_args=["-O3"], optional=True),
    Extension("cleaner._segment", ["cleaner/_segment.c"], extra_compile_args=["-O3"], optional=True),
    Extension("cleaner._forest", ["cleaner/_forest.c"], extra_compile_args=["-O3"], optional=True),
    Extension("cleaner._langid", ["cleaner/_langid.c"], extra_compile_args=["-O3"], libraries=["m"],
              optional=True),
])

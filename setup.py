"""Build the optional compiled MinHash kernel; metadata lives in setup.cfg.

The kernel is `optional`: without a C compiler the install still succeeds and
cleaner computes the same fingerprints with numpy, only slower."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("cleaner._fingerprint", ["cleaner/_fingerprint.c"], depends=["cleaner/_jsonscan.h"],
                             extra_compile_args=["-O3"], optional=True)])

"""Readers (where documents come from) and writers (where results go)."""

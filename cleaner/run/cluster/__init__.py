"""What a run does differently on an engine with a shuffle (a cluster):
near-duplicate candidates found by partition (bands.py), and records kept in
the cluster and written there as shards (records.py). Site learning reduced
by site is in site_learning.py, beside the count made in one process.

May import what `run` may, and `run`'s own modules.
"""

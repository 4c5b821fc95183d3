"""Backups of a service's data: plan what to archive, archive it durably, keep a few, restore one safely.

Pure: plan (what goes in, names, sizes), retention (which to keep). The rest does I/O: sources (reads the
project's files), sqlite_copy, volumes, archive (tar + zstd/gzip with a sha256 manifest), destination
(local folder or fsspec URL, temp name + fsync + rename), restore (verify everything, then swap).
"""

"""Versions and releases as pure data: semantic versions, conventional commits, the next version, the changelog
section and the edits of version files. No I/O here: git is read by shipmate.git_repo, files by ops."""

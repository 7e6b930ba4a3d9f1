"""Owner-only files and folders: the data directory holds prompts, logs and transcripts.

Only modes are set here, never the process umask: files an agent or git creates in a
worktree keep their usual modes (see docs/instances.md).
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> bool:
    """Create the folder 0700, or tighten one of ours that others can enter; True if it
    was tightened (the caller says so)."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    st = path.stat()
    if st.st_mode & 0o077 and st.st_uid == os.getuid():
        path.chmod(DIR_MODE)
        return True
    return False


def private_file(path: Path) -> None:
    """Create the file empty and 0600 if missing; tighten it if others can read it. Its
    content is kept: writers that come later (a shell's >>, tmux pipe-pane) append to it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    try:
        st = os.fstat(fd)
        if st.st_mode & 0o077 and st.st_uid == os.getuid():
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def private_files(folder: Path, *files: Path) -> None:
    """An instance's folder 0700 and the files that shell commands (a hook's >>, tmux
    pipe-pane's cat >>) append to, made 0600 before those commands run: a file that exists
    keeps its mode when a shell opens it for appending, whatever the umask."""
    private_dir(folder)
    for path in files:
        private_file(path)

"""Keep the bytecode of Ansible's module payloads between module runs (lab targets only).

Every Ansible module run ships its code to the host as a zip file that Python imports from
(``.../ansible_<module>_payload.zip``). Python never writes bytecode for zip imports, so each
run compiles ansible.module_utils from source again: about a third of the CPU a module run
costs a host. This hook caches the compiled code, keyed by a hash of the source and of
Python's bytecode version, so a run whose sources were seen before skips the compile.
Nothing else changes: the same code runs, and tracebacks name the current payload.

- Only zip files named ``ansible_*_payload.zip`` are affected; every other import is Python's.
- Each user has a cache of their own, ``~/.cache/lab-bytecode`` (mode 0700). A cache that is
  not owned by the user, or that others can write to, is never read.
- ``LAB_BYTECODE_CACHE=0`` in a module's environment turns the cache off for that run.
- Any error falls back to compiling, as Python would without this file.

Loaded at start-up by ``lab_bytecode_cache.pth``; a real host has neither file.
"""

import os
import zipimport

_compile_source = zipimport._compile_source
_directory = None


def _cache_directory():
    """The user's own cache directory, created on first use; None if it cannot be trusted."""
    global _directory
    if _directory is None:
        import pwd
        import stat

        _directory = ""
        path = os.path.join(pwd.getpwuid(os.geteuid()).pw_dir, ".cache", "lab-bytecode")
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
            info = os.lstat(path)
            if (
                stat.S_ISDIR(info.st_mode)
                and info.st_uid == os.geteuid()
                and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            ):
                _directory = path
        except OSError:
            pass
    return _directory or None


def _is_payload(pathname):
    archive = pathname.replace(os.sep, "/").split(".zip/", 1)[0] + ".zip"
    name = os.path.basename(archive)
    return name.startswith("ansible_") and name.endswith("_payload.zip")


def _cached_compile(pathname, source):
    if not _is_payload(pathname) or os.environ.get("LAB_BYTECODE_CACHE") == "0":
        return _compile_source(pathname, source)
    try:
        import _imp
        import hashlib
        import marshal
        from _frozen_importlib_external import MAGIC_NUMBER

        directory = _cache_directory()
        if directory is None:
            return _compile_source(pathname, source)
        entry = os.path.join(directory, hashlib.sha256(MAGIC_NUMBER + source).hexdigest())
        try:
            with open(entry, "rb") as cached:
                code = marshal.loads(cached.read())
            _imp._fix_co_filename(code, pathname)
            return code
        except (OSError, ValueError, EOFError, TypeError):
            pass
        code = _compile_source(pathname, source)
        partial = f"{entry}.{os.getpid()}"
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(marshal.dumps(code))
        os.replace(partial, entry)
        return code
    except Exception:
        return _compile_source(pathname, source)


zipimport._compile_source = _cached_compile

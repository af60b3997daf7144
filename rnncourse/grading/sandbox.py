"""Start a child process that can run untrusted code, and talk to it.

Where the machine allows it (the grader runs as root, ``unshare`` exists), the
child gets:

- new mount, network and PID namespaces (``unshare --mount --net --pid
  --fork --kill-child --mount-proc``): no network but a loopback that is down;
  when the child's first process ends, or the grader kills it, the kernel
  kills every process it started (a daemon that calls ``setsid`` included);
- a view of the file system in which the course root, the package's source,
  the home directory and the temporary directories are covered by empty
  read-only tmpfs mounts; only the Python installation is mounted back, read
  only; a fresh tmpfs ``/tmp`` (bounded size) holds the grading runtime (read
  only) and an empty working directory;
- an unprivileged user id of its own (one per concurrent sandbox), no
  supplementary groups, ``no_new_privs``;
- resource limits: CPU seconds, address space, file size, open files,
  processes; a cgroup (v1 ``memory`` and ``pids``) bounds the memory and the
  processes of the whole tree where cgroups are writable;
- a clean environment (no ``LD_PRELOAD``, no ``PYTHON*``), Python started with
  ``-I -S`` and an explicit ``sys.path`` (no user site, no ``.pth`` files,
  nothing from the submission's folder).

The grader enforces the wall-clock bound itself and kills the sandbox.
Without root, the same runs in a user namespace (``unshare --user
--map-root-user``: hidden course root, no network, PID namespace, limits, but
the child keeps the grader's real user id); without ``unshare``, only the
limits, the clean environment and the empty working directory remain. The
level reached is reported as :attr:`Sandbox.isolation`.

Messages are length-prefixed JSON (:mod:`rnncourse.grading.wire`) over two
pipes; the child's own stdout and stderr go to ``/dev/null``.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Limits", "Sandbox", "SandboxError", "isolation_available"]

HERE = Path(__file__).resolve().parent
_HEADER = struct.Struct(">Q")
CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass
class Limits:
    """Bounds of one sandbox (one graded submission)."""
    wall: float = 60.0               # seconds for the whole submission
    memory: int = 2 << 30            # bytes: address space per process, and the tree's cgroup
    cpu: int = 120                   # CPU seconds per process
    file_size: int = 64 << 20        # bytes, largest file the child may write
    tmp_size: int = 256 << 20        # bytes, its whole /tmp (tmpfs)
    processes: int = 64              # processes and threads of the child's user
    open_files: int = 256
    message: int = 64 << 20          # bytes, largest reply the grader reads


class SandboxError(RuntimeError):
    """The child died, timed out, or broke the protocol."""


def isolation_available() -> str:
    """``"full"``, ``"namespaces"`` or ``"minimal"``: what a sandbox here gets (see module docstring)."""
    if not shutil.which("unshare"):
        return "minimal"
    return "full" if os.geteuid() == 0 else "namespaces"


def _hidden_paths(extra=()) -> list:
    import rnncourse
    pkg = Path(rnncourse.__file__).resolve().parent
    paths = {str(pkg), str(pkg.parent) if (pkg.parent / "pyproject.toml").exists() else str(pkg),
             os.path.expanduser("~"), "/root", "/home", "/var/tmp", "/dev/shm", "/run/user", "/srv", "/mnt",
             "/media", "/opt", "/work", "/tmp"}
    paths.update(str(Path(p).resolve()) for p in extra)
    return sorted(p for p in paths if p and p != "/")


def _exposed_paths() -> list:
    """The Python installation the child runs: the interpreter's prefix and the environment's."""
    import site
    out = {str(Path(sys.base_prefix).resolve()), str(Path(sys.prefix).resolve())}
    out.update(str(Path(p).resolve()) for p in site.getsitepackages())
    return sorted(out)


def _child_sys_path() -> list:
    """The standard library and the environment's site-packages: nothing else of the grader's path."""
    import site
    base = str(Path(sys.base_prefix).resolve())
    stdlib = [p for p in sys.path if p and str(Path(p).resolve()).startswith(base + "/")
              and "site-packages" not in p]
    return stdlib + [str(Path(p).resolve()) for p in site.getsitepackages()]


class Sandbox:
    """One isolated child process running :mod:`rnncourse.grading.child`.

    ``runtime``: a folder holding the package copy the child imports (see
    :mod:`rnncourse.grading.runtime`); ``hide``: more paths to cover (the
    course root). Use as a context manager; :meth:`request` sends one message
    and returns the reply, bounded by the wall-clock budget.
    """

    _slot = 0

    def __init__(self, runtime: Path, limits: Limits | None = None, hide=(), mode: str | None = None):
        self.limits = limits or Limits()
        self.runtime = Path(runtime)
        self.isolation = mode or isolation_available()
        self.hide = _hidden_paths(hide)
        self.proc = None
        self.deadline = None
        Sandbox._slot += 1
        # a distinct unprivileged uid per concurrent sandbox (pid of the grader + a counter)
        self.uid = 600000 + (os.getpid() % 20000) * 16 + Sandbox._slot % 16
        self.cgroups = []

    # ------------------------------------------------------------ life cycle
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        launcher = [os.path.realpath(sys.executable), "-I", "-S", str(HERE / "sandbox.py")]
        if self.isolation == "full":
            cmd = ["unshare", "--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"] + launcher
            self._make_cgroups()
        elif self.isolation == "namespaces":
            cmd = ["unshare", "--user", "--map-root-user", "--mount", "--net", "--pid", "--fork",
                   "--kill-child", "--mount-proc"] + launcher
        else:
            cmd = launcher
        cmd += [str(to_child_r), str(from_child_w)]
        self.deadline = time.monotonic() + self.limits.wall
        self.proc = subprocess.Popen(cmd, pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8"},
                                     start_new_session=True, cwd="/", preexec_fn=_die_with_parent)
        os.close(to_child_r)
        os.close(from_child_w)
        self._scratch = None
        if self.isolation == "minimal":  # no private /tmp: a scratch folder of ours, removed in close()
            import tempfile
            self._scratch = tempfile.mkdtemp(prefix="rnncourse-sandbox-")
        config = {"isolation": self.isolation, "uid": self.uid, "limits": asdict(self.limits),
                  "scratch": self._scratch,
                  "hide": self.hide, "expose": _exposed_paths(), "runtime": str(self.runtime),
                  "python": os.path.realpath(sys.executable), "sys_path": _child_sys_path(),
                  "cgroups": [str(c) for c in self.cgroups]}
        self._send(json.dumps(config).encode())
        reply = self.receive()
        if reply != {"ready": True}:
            raise SandboxError(f"the sandbox did not start: {reply!r}")
        return self

    def close(self):
        if self.proc is None:
            return
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # unshare; --kill-child takes the namespace down with it
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.stderr = self.proc.stderr.read(20000).decode(errors="replace") if self.proc.stderr else ""
        if self.proc.stderr:
            self.proc.stderr.close()
        if self.isolation == "full":
            self._kill_uid()
        if getattr(self, "_scratch", None):
            shutil.rmtree(self._scratch, ignore_errors=True)
        for cg in self.cgroups:
            for _ in range(50):
                try:
                    cg.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        self.proc = None

    def _make_cgroups(self):
        for ctrl, settings in (("memory", {"memory.limit_in_bytes": self.limits.memory,
                                           "memory.memsw.limit_in_bytes": self.limits.memory}),
                               ("pids", {"pids.max": self.limits.processes})):
            base = CGROUP_ROOT / ctrl
            if not base.is_dir():
                continue
            cg = base / f"rnncourse-{self.uid}"
            try:
                cg.mkdir(exist_ok=True)
                for k, v in settings.items():
                    if (cg / k).exists():
                        (cg / k).write_text(str(v))
            except OSError:
                continue
            self.cgroups.append(cg)

    def _kill_uid(self):
        """Belt and braces: no process of the sandbox's uid survives it."""
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    if d.stat().st_uid == self.uid:
                        os.kill(int(d.name), signal.SIGKILL)
                except (OSError, ProcessLookupError):
                    pass

    # ------------------------------------------------------------ messages
    def _send(self, raw: bytes):
        data = _HEADER.pack(len(raw)) + raw
        while data:
            self._wait(self._to_child, write=True)
            try:
                n = os.write(self._to_child, data[:1 << 16])
            except (BrokenPipeError, OSError):
                raise SandboxError("the submission's process ended") from None
            data = data[n:]

    def _wait(self, fd, write=False):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SandboxError(f"time limit: the submission used more than {self.limits.wall:g} s")
        r, w, _ = select.select([] if write else [fd], [fd] if write else [], [], left)
        if not (r or w):
            raise SandboxError(f"time limit: the submission used more than {self.limits.wall:g} s")

    def _read(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            self._wait(self._from_child)
            chunk = os.read(self._from_child, min(n - len(buf), 1 << 20))
            if not chunk:
                raise SandboxError("the submission's process ended (it exited, crashed or was killed "
                                   "for exceeding a memory, CPU or process limit)")
            buf += chunk
        return bytes(buf)

    def receive(self):
        from . import wire
        (n,) = _HEADER.unpack(self._read(_HEADER.size))
        if n > self.limits.message:
            raise SandboxError(f"output limit: a reply of {n} bytes (at most {self.limits.message})")
        try:
            return wire.loads(self._read(n))
        except wire.WireError as exc:  # written by the submission itself, e.g. over the channel
            raise SandboxError(f"the submission's process sent a malformed reply ({exc})") from None

    def request(self, message):
        """Send ``message`` (plain data) and return the child's reply: a dict of plain data."""
        from . import wire
        self._send(wire.dumps(message))
        reply = self.receive()
        if not isinstance(reply, dict):
            raise SandboxError("the submission's process sent a malformed reply (not a dict)")
        return reply


def _die_with_parent():
    """In the new process, before exec: SIGKILL it when the grader dies (a killed grader leaves no
    sandbox behind: unshare's --kill-child then takes the namespace down)."""
    _, libc = _libc()
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


# =====================================================================================
# The launcher: runs as the first process inside the namespaces, still privileged.
# Only the standard library; nothing here reads anything the submission controls.
def _libc():
    import ctypes
    import ctypes.util
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return ctypes, libc


MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18


def _mount(src, target, fstype, flags, data=None):
    ctypes, libc = _libc()
    r = libc.mount(src.encode() if src else None, target.encode(), fstype.encode() if fstype else None,
                   ctypes.c_ulong(flags), data.encode() if data else None)
    if r != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {src} -> {target}: {os.strerror(err)}")


def _launch(rfd: int, wfd: int):
    (n,) = _HEADER.unpack(os.read(rfd, _HEADER.size))
    raw = b""
    while len(raw) < n:
        raw += os.read(rfd, n - len(raw))
    cfg = json.loads(raw)
    lim = cfg["limits"]
    isolated = cfg["isolation"] in ("full", "namespaces")
    # the runtime (a few hundred kB of Python) is read now, before its folder is hidden
    files = {}
    root = Path(cfg["runtime"])
    for p in sorted(root.rglob("*")):
        if p.is_file():
            files[str(p.relative_to(root))] = p.read_bytes()
    if cfg["isolation"] == "full":
        for cg in cfg["cgroups"]:
            Path(cg, "cgroup.procs").write_text("0")  # this process and everything it starts
    tmp = "/tmp"
    if isolated:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
        keep = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in cfg["expose"] if os.path.isdir(p)}
        for p in sorted(set(cfg["hide"]) | {"/tmp"}, key=len):
            if os.path.isdir(p) and not os.path.islink(p):
                # /tmp becomes the sandbox's own (bounded) scratch space; the others are empty
                opts = f"size={lim['tmp_size']},mode=755" if p == "/tmp" else "size=64k,mode=755"
                try:
                    _mount("none", p, "tmpfs", MS_NOSUID | MS_NODEV, opts)
                except OSError:
                    pass  # already under a hidden folder
        for p, fd in keep.items():
            if not os.path.isdir(p):  # it was under a hidden folder: mount it back, read only
                os.makedirs(p, exist_ok=True)
            if any(p == h or p.startswith(h.rstrip("/") + "/") for h in cfg["hide"]):
                _mount(f"/proc/self/fd/{fd}", p, None, MS_BIND | MS_REC)
                _mount(None, p, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
            os.close(fd)
    else:
        tmp = cfg["scratch"]
    rt, work = os.path.join(tmp, "runtime"), os.path.join(tmp, "work")
    for rel, data in files.items():
        dest = os.path.join(rt, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(data)
    os.makedirs(work, exist_ok=True)
    uid = cfg["uid"] if cfg["isolation"] == "full" else os.getuid()
    if cfg["isolation"] == "full":
        os.chown(work, uid, uid)
    os.chmod(work, 0o700)
    import resource
    for res, value in ((resource.RLIMIT_CPU, lim["cpu"]), (resource.RLIMIT_AS, lim["memory"]),
                       (resource.RLIMIT_FSIZE, lim["file_size"]), (resource.RLIMIT_NOFILE, lim["open_files"]),
                       (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, lim["processes"])):
        try:
            resource.setrlimit(res, (value, value))
        except (ValueError, OSError):
            pass
    ctypes, libc = _libc()
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: no setuid binary gives privileges back
    if cfg["isolation"] == "full":
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    # changing credentials cleared the parent-death signal that unshare's --kill-child set: set it again,
    # so that the end of unshare (it dies with the grader) is the end of this process and its namespace
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    os.chdir(work)
    os.dup2(rfd, 3)
    os.dup2(wfd, 4)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(5, 1 << 16)
    env = {"PATH": "/usr/bin:/bin", "HOME": work, "TMPDIR": work, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": work, "RNNCOURSE_NO_PROGRESS": "1"}
    boot = ("import sys; sys.path[:] = %r; "
            "from rnncourse.grading import child; child.main(3, 4, %r)"
            % ([rt] + cfg["sys_path"], cfg["isolation"]))
    os.execve(cfg["python"], [cfg["python"], "-I", "-S", "-c", boot], env)


if __name__ == "__main__":
    _launch(int(sys.argv[1]), int(sys.argv[2]))

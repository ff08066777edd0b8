#!/usr/bin/python3
"""Runs a command on a real pseudo-terminal for the --watch tests (test/live-terminal.test.ts).

Usage: pty-run.py COLS ROWS -- COMMAND...
The child's terminal output is copied to stdout as it comes. Lines on stdin drive it:
`keys <text>` types text (Python escapes, e.g. keys q or keys \\x03), `resize COLS ROWS`
resizes the terminal (the child gets SIGWINCH), `signal TERM` signals the child.
When the child exits, one last line on stderr: `EXIT <code> TERMIOS <same|changed>`,
comparing the terminal's modes (echo, canonical input) with those before the child ran.
"""
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios


def set_size(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    command = sys.argv[sys.argv.index("--") + 1:]
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    set_size(master, cols, rows)
    before = termios.tcgetattr(master)
    pending = b""
    stdin_open = True
    status = None
    while status is None:
        readable = [master] + ([sys.stdin.fileno()] if stdin_open else [])
        ready, _, _ = select.select(readable, [], [], 0.05)
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if data:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
        if sys.stdin.fileno() in ready:
            chunk = os.read(sys.stdin.fileno(), 4096)
            if not chunk:
                stdin_open = False
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                verb, _, rest = line.decode().partition(" ")
                if verb == "keys":
                    os.write(master, rest.encode().decode("unicode_escape").encode("latin-1"))
                elif verb == "resize":
                    c, r = rest.split()
                    set_size(master, int(c), int(r))
                    os.kill(pid, signal.SIGWINCH)
                elif verb == "signal":
                    os.kill(pid, getattr(signal, "SIG" + rest.strip()))
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            status = code
    # Drain what the child wrote last (the restore sequences).
    while True:
        ready, _, _ = select.select([master], [], [], 0.1)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    after = termios.tcgetattr(master)
    modes = termios.ECHO | termios.ICANON
    same = (before[3] & modes) == (after[3] & modes)
    code = os.waitstatus_to_exitcode(status)
    sys.stderr.write("EXIT %d TERMIOS %s\n" % (code, "same" if same else "changed"))
    sys.stderr.flush()


main()

# SPDX-License-Identifier: MIT
"""A raw TCP server on 127.0.0.1 for the integration tests that need a
server to misbehave on purpose (answer early, close mid-way, pipeline):
the test's script defines serve(conn, *args), which this runs in a thread
per connection.  The port goes to port_file once the server listens; it
ends after 60 s without a new connection, so a test that dies leaves no
server behind for long.  Tests put this directory on PYTHONPATH."""
import socket
import threading


def run(serve, port_file, *args):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    s.settimeout(60)
    with open(port_file, "w") as f:
        f.write(str(s.getsockname()[1]))
    while True:
        try:
            c, _ = s.accept()
        except OSError:
            break
        threading.Thread(target=serve, args=(c,) + args, daemon=True).start()

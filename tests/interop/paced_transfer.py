#!/usr/bin/python3
"""A TCP transfer paced over seconds, so that it is in flight while a test
moves the tunnel under it (MOBIKE, r-MOBIKE). Standard library only.

    paced_transfer.py serve HOST PORT FILE          # writes what it receives to FILE
    paced_transfer.py send HOST PORT FILE [CHUNK [PAUSE]]
                                                    # CHUNK bytes every PAUSE seconds
Both ends give up after 30 s without progress.
"""
import socket
import sys
import time


def serve(host, port, path):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(1)
    s.settimeout(30)
    c, _ = s.accept()
    c.settimeout(30)
    with open(path, "wb") as f:
        while True:
            b = c.recv(65536)
            if not b:
                break
            f.write(b)


def send(host, port, path, chunk, pause):
    data = open(path, "rb").read()
    s = socket.create_connection((host, port), timeout=30)
    for i in range(0, len(data), chunk):
        s.sendall(data[i:i + chunk])
        time.sleep(pause)
    s.close()


def main(argv):
    if len(argv) < 5 or argv[1] not in ("serve", "send"):
        sys.exit(__doc__)
    host, port, path = argv[2], int(argv[3]), argv[4]
    if argv[1] == "serve":
        serve(host, port, path)
    else:
        chunk = int(argv[5]) if len(argv) > 5 else 49152
        pause = float(argv[6]) if len(argv) > 6 else 0.1
        send(host, port, path, chunk, pause)


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
"""delay-proxy.py: engines that answer late, for bench/pool-list.sh.

    delay-proxy.py [--delay SECONDS] LISTEN=UPSTREAM...

Listens on each unix socket LISTEN and relays every connection to the
unix socket UPSTREAM (a dockerd's), holding back what the client sends by
--delay seconds (default 0.05): each chunk read from the client is written
to the engine DELAY after it arrived, in order, the way `tc netem delay`
delays one direction of a link. Every request, and so every response,
comes DELAY later than it would straight to the engine; a kept-alive
connection pays it once per request, as over a slow link. The engine's
answers go back unchanged and at once.

One process, one event loop for every socket: the delays of concurrent
requests overlap, as they would on separate links. Prints "ready" on
stdout once every socket listens; SIGTERM or SIGINT stops it and removes
the sockets.
"""
import asyncio
import os
import signal
import sys


def usage(msg):
    print("delay-proxy.py: %s (usage: delay-proxy.py [--delay SECONDS] LISTEN=UPSTREAM...)" % msg,
          file=sys.stderr)
    sys.exit(2)


async def pump_delayed(reader, writer, delay):
    """client -> engine: every chunk DELAY after it arrived, in order."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def read():
        try:
            while True:
                data = await reader.read(65536)
                queue.put_nowait((loop.time() + delay, data))
                if not data:
                    return
        except (ConnectionError, OSError):
            queue.put_nowait((loop.time(), b""))

    reading = asyncio.ensure_future(read())
    try:
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()
    finally:
        reading.cancel()


async def pump(reader, writer):
    """engine -> client, as it comes."""
    while True:
        data = await reader.read(65536)
        if not data:
            if writer.can_write_eof():
                writer.write_eof()
            return
        writer.write(data)
        await writer.drain()


async def relay(client_r, client_w, upstream, delay):
    try:
        engine_r, engine_w = await asyncio.open_unix_connection(upstream)
    except OSError as e:
        print("delay-proxy.py: %s: %s" % (upstream, e), file=sys.stderr)
        client_w.close()
        return
    tasks = [asyncio.ensure_future(pump_delayed(client_r, engine_w, delay)),
             asyncio.ensure_future(pump(engine_r, client_w))]
    try:
        # The engine's side ending (it closed, or the client went away
        # mid-answer) ends the connection; the client's EOF only
        # half-closes it, since an answer may still be on its way.
        await tasks[1]
    except (ConnectionError, OSError):
        pass
    finally:
        for t in tasks:
            t.cancel()
        for w in (engine_w, client_w):
            w.close()


async def main(delay, pairs):
    servers = []
    for listen, upstream in pairs:
        if os.path.exists(listen):
            os.unlink(listen)
        servers.append(await asyncio.start_unix_server(
            lambda r, w, up=upstream: relay(r, w, up, delay), path=listen))
        os.chmod(listen, 0o660)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("ready", flush=True)
    await stop.wait()
    for s in servers:
        s.close()
    for listen, _ in pairs:
        try:
            os.unlink(listen)
        except OSError:
            pass


if __name__ == "__main__":
    args = sys.argv[1:]
    delay = 0.05
    if args[:1] == ["--delay"]:
        if len(args) < 2:
            usage("--delay needs a number of seconds")
        try:
            delay = float(args[1])
        except ValueError:
            usage("--delay takes seconds (0.05), not '%s'" % args[1])
        if delay < 0:
            usage("--delay cannot be negative")
        args = args[2:]
    if not args:
        usage("no LISTEN=UPSTREAM given")
    pairs = []
    for a in args:
        listen, sep, upstream = a.partition("=")
        if not sep or not listen or not upstream:
            usage("'%s' is not LISTEN=UPSTREAM" % a)
        pairs.append((listen, upstream))
    asyncio.run(main(delay, pairs))

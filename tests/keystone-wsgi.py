#!/usr/bin/python3
"""keystone-wsgi.py: Keystone's public WSGI application on 127.0.0.1:PORT,
served by a threaded wsgiref server, for tests/lib-openstack.sh.

  OS_KEYSTONE_CONFIG_FILES=keystone.conf keystone-wsgi.py PORT ACCESS-LOG

Each request is appended to ACCESS-LOG as "METHOD PATH STATUS" (the
harness counts token issues from it: "POST /v3/auth/tokens 201").
"""
import socketserver
import sys
import threading
import wsgiref.simple_server as wss

from keystone.server.wsgi import initialize_public_application

LOG_LOCK = threading.Lock()


class Server(socketserver.ThreadingMixIn, wss.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class Quiet(wss.WSGIRequestHandler):
    def log_message(self, fmt, *args):
        pass


def main():
    port, access = int(sys.argv[1]), sys.argv[2]
    sys.argv[1:] = []
    app = initialize_public_application()

    def logged(environ, start_response):
        def start(status, headers, exc_info=None):
            with LOG_LOCK, open(access, "a") as f:
                f.write("%s %s %s\n" % (environ["REQUEST_METHOD"], environ.get("PATH_INFO"),
                                        status.split()[0]))
            return start_response(status, headers, exc_info)
        return app(environ, start)

    srv = wss.make_server("127.0.0.1", port, logged, server_class=Server,
                          handler_class=Quiet)
    print("keystone serving on 127.0.0.1:%d" % port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()

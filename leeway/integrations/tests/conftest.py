"""A real HTTP receiver on a local socket, and organizations with admins to own webhooks."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory


class Receiver:
    """An HTTP server in a thread that records every POST; `answers` are the statuses to reply, in turn.

    It can be stopped and started again on the same port, as a receiver that goes down and comes back.
    """

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "headers": {key.lower(): value for key, value in self.headers.items()},
                            "body": body,
                            "status": status,
                            "received": time.time(),
                        }
                    )
                answer = json.dumps({"ok": status < 300}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def accepted(self) -> list[dict]:
        """The requests it answered with 2xx."""
        with self.lock:
            return [request for request in self.requests if request["status"] < 300]

    def bodies(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.accepted()]


@pytest.fixture
def receiver():
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def second_receiver():
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings):
    # The receivers listen on 127.0.0.1; the tests of the refusal switch this off again.
    settings.LEEWAY_WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def aurora_admin(aurora):
    return MemberFactory(
        organization=aurora,
        username="aurora-admin",
        role=Role.ADMIN,
        email="admin@aurora.example",
        language="en",
    )


@pytest.fixture
def casa_admin(casa):
    return MemberFactory(
        organization=casa, username="casa-admin", role=Role.ADMIN, email="admin@casa.example", language="es"
    )


@pytest.fixture
def aurora_agent(aurora):
    return MemberFactory(organization=aurora, username="aurora-agent", role=Role.AGENT)

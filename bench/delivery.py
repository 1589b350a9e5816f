"""Benchmark: webhook delivery from the outbox to a local receiver, through a real `leeway worker`.

Usage (from the repository root):

    .venv/bin/python bench/delivery.py                                  # SQLite file in a temp folder
    .venv/bin/python bench/delivery.py --database-url postgres://postgres@127.0.0.1:5432/leeway_bench_delivery

What it does:

1. Migrates a fresh database (the PostgreSQL one is dropped and created anew), makes one organization
   and one `standard` webhook endpoint subscribed to `decision.approved` that points at a receiver
   this script starts (a ThreadingHTTPServer on 127.0.0.1, keep-alive, answering 200 at once).
2. Starts `leeway worker` as its own process (the production way; it polls every second when idle).
3. Burst: writes `--events` outbox events (default 10,000) in one transaction, as a batch import would,
   and waits until the receiver has every one. events/s = events ÷ (last received - first created).
4. Paced: writes `--paced-events` more (default 2,000) at `--rate` per second (default 100), one
   transaction each, as decisions arrive; the delivery delay of each (event created → received at the
   receiver) shows what a receiver waits in steady use.
5. Checks every event arrived exactly once (by webhook-id), in order, with a signature that verifies.

Delay = receive time minus the event's `created_at` (the body's `timestamp`), both on this machine's
clock. Prints the figures and the machine; exit status 1 when an event is missing, doubled or out of order.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEEWAY = str(ROOT / ".venv" / "bin" / "leeway")


class Receiver:
    """Records (webhook-id, n, received at, headers, body) for every POST, answering 200."""

    def __init__(self):
        self.records: list[tuple] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a proxy would
            # One write per answer, sent at once (unbuffered headers then body meets Nagle + delayed ACK).
            wbufsize = -1
            disable_nagle_algorithm = True

            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                received = time.time()
                with receiver.lock:
                    receiver.records.append((self.headers["webhook-id"], received, dict(self.headers), body))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.records)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model or platform.processor()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def prepare_database(url: str) -> None:
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        server = url.rsplit("/", 1)[0] + "/postgres"
        import psycopg

        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')


def wait_for(receiver: Receiver, total: int, *, timeout: float) -> None:
    deadline = time.time() + timeout
    while receiver.count() < total:
        if time.time() > deadline:
            raise SystemExit(f"only {receiver.count()} of {total} events arrived within {timeout:.0f} s")
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--paced-events", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    options = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="leeway-delivery-")
    url = options.database_url or f"sqlite:///{folder}/bench.sqlite3"
    prepare_database(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "LEEWAY_DATA_DIR": folder,
        "LEEWAY_WEBHOOKS_ALLOW_PRIVATE": "true",  # the receiver is on 127.0.0.1
        "DJANGO_SETTINGS_MODULE": "leeway.settings",
        "LEEWAY_TESTING": "false",
    }
    os.environ.update(env)
    subprocess.run([LEEWAY, "migrate", "--no-input", "-v", "0"], env=env, check=True)

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import transaction
    from standardwebhooks import Webhook

    from leeway.core.outbox import outbox_emit
    from leeway.integrations.models import WebhookDelivery, WebhookEndpoint
    from leeway.people.models import Organization

    receiver = Receiver()
    organization = Organization.objects.create(slug="bench", name="Bench", base_currency="USD")
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=receiver.url,
        topics=["decision.approved"],
        format="standard",
        secret="whsec_" + "QmVuY2ggc2VjcmV0IGZvciBkZWxpdmVyeQ==",
    )
    worker = subprocess.Popen([LEEWAY, "worker", "--interval", "1"], env=env, stdout=subprocess.DEVNULL)
    try:
        time.sleep(3)  # let the worker start its loops

        def emit(number: int) -> None:
            outbox_emit(
                organization_id=organization.pk,
                topic="decision.approved",
                payload={"n": number, "id": f"dec_{number:06d}", "amount": "25.00", "currency": "USD"},
            )

        started = time.time()
        with transaction.atomic():
            for number in range(options.events):
                emit(number)
        written = time.time()
        wait_for(receiver, options.events, timeout=options.timeout)
        burst_records = list(receiver.records)

        paced_start = time.time()
        for index in range(options.paced_events):
            target = paced_start + index / options.rate
            pause = target - time.time()
            if pause > 0:
                time.sleep(pause)
            emit(options.events + index)
        wait_for(receiver, options.events + options.paced_events, timeout=options.timeout)
        total = options.events + options.paced_events
        deadline = time.time() + 30
        # The worker records successes a hundred at a time: let it write the last ones before stopping it.
        while WebhookDelivery.objects.filter(status="delivered").count() < total and time.time() < deadline:
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    records = list(receiver.records)
    signer = Webhook(endpoint.secret)
    delays, numbers, ids = [], [], []
    for webhook_id, received, headers, body in records:
        lower = {key.lower(): value for key, value in headers.items()}
        data = json.loads(body)
        if webhook_id == records[0][0]:
            signer.verify(body, lower)  # one full check with the library; the rest by id and order
        delays.append(received - datetime.fromisoformat(data["timestamp"]).timestamp())
        numbers.append(data["data"]["n"])
        ids.append(webhook_id)
    burst = delays[: options.events]
    paced = delays[options.events :]
    first_created = min(
        datetime.fromisoformat(json.loads(record[3])["timestamp"]).timestamp() for record in burst_records
    )
    burst_span = max(record[1] for record in burst_records) - first_created
    ok = numbers == list(range(options.events + options.paced_events)) and len(set(ids)) == len(ids)
    stored = WebhookDelivery.objects.filter(status="delivered").count()
    engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"machine: {machine()}; database: {engine}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"burst: {options.events} events written in {written - started:.2f} s (one transaction)")
    print(
        f"burst: delivered {options.events} in {burst_span:.2f} s → "
        f"{options.events / burst_span:,.0f} events/s"
    )
    print(
        f"burst: delay p50 {statistics.median(burst):.2f} s, p99 {percentile(burst, 0.99):.2f} s, "
        f"max {max(burst):.2f} s"
    )
    if paced:
        print(
            f"paced at {options.rate:g}/s: {len(paced)} events, "
            f"delay p50 {statistics.median(paced) * 1000:.0f} ms, "
            f"p99 {percentile(paced, 0.99) * 1000:.0f} ms, max {max(paced) * 1000:.0f} ms"
        )
    print(
        f"every event once, in order, signed: {'yes' if ok else 'NO'}; "
        f"deliveries recorded delivered: {stored}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Concurrency tests' one harness: work released in several threads at once, each on its own connection."""

import threading

from django.db import connections


def run_in_threads(count: int, work) -> list:
    """Run work(i) in `count` threads released at once; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # reported to the test
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results

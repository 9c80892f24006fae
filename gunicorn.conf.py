"""gunicorn's settings for every deployment: docker-compose, the README's manual start and bench/ingest.py.

Threaded workers (gthread): a request mostly waits on PostgreSQL (its commit's flush) and Redis,
and threads overlap those waits without a process each; they also keep connections alive and,
unlike sync workers, are not held up by a slow client when no buffering proxy stands in front.
One process per core, so the GIL is never shared by more threads than the cores can run.
"""

import os

wsgi_app = "satisfaction.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
# The cores this process may run on (a container's CPU set, not the host's count).
workers = int(os.environ.get("GUNICORN_WORKERS", "0")) or len(os.sched_getaffinity(0))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 60
keepalive = 5
# Requests per worker before it is replaced (jittered), a guard against slow leaks; 0 never replaces
# one (bench/ingest.py, whose CPU probe follows the workers it found at the start).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10

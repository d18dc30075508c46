# bpmn-server: production image. PostgreSQL via BPMN_SERVER_DATABASE_URL; SQLite in /data otherwise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    BPMN_SERVER_DATABASE_URL=sqlite:////data/bpmn.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bpmn_server ./bpmn_server
COPY models ./models
COPY processes ./processes
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app bpmn \
    && mkdir -p /data /app/var && chown bpmn /data /app/var

USER bpmn
VOLUME ["/data"]
EXPOSE 8080
# SIGTERM: gunicorn stops accepting, lets in-flight requests finish (BPMN_SERVER_GRACEFUL_TIMEOUT, 10 s), then
# each worker stops its timer clock and releases its timer leases. Give `docker stop` a little longer (-t 20).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/api/health').status == 200 else 1)"
CMD ["bpmn-server", "serve", "--host", "0.0.0.0", "--port", "8080", "--workers", "2"]

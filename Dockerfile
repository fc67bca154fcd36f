# Rahnuma: the assistant and its ingestion job, CPU only, offline at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    RAHNUMA_DATA_DIR=/data \
    RAHNUMA_WEB_HOST=0.0.0.0

WORKDIR /app
RUN useradd --create-home --uid 1000 rahnuma

# PyTorch's CPU build first, so sentence-transformers does not pull a CUDA build.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY ingest ./ingest
COPY knowledge_base ./knowledge_base
COPY evals ./evals
RUN pip install .

RUN mkdir -p /data && chown rahnuma /data
USER rahnuma
VOLUME ["/data"]

EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"

# Build the index from the shipped knowledge base (unchanged sources are skipped), then run the bot and the
# console. Set RAHNUMA_TELEGRAM_TOKEN (and, for webhooks, RAHNUMA_WEBHOOK_URL and _SECRET); without a token
# only the console runs. Override CMD for other subcommands, e.g. `rahnuma users add NAME --role admin`.
CMD ["sh", "-c", "rahnuma ingest --quiet && exec rahnuma serve"]

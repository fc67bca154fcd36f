# Rahnuma: the assistant and its ingestion job, CPU only, offline at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    RAHNUMA_DATA_DIR=/data

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

# Build the index from the shipped knowledge base, then answer; override CMD for other subcommands.
CMD ["sh", "-c", "rahnuma ingest --quiet && rahnuma ask 'Who may declare jihad?'"]

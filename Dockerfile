# Bayan in a container (docs/deploy.md): `bayan run` as the unprivileged user bayan (uid 10001), the
# database in the volume /app/storage, feeds.yaml at /app/feeds.yaml (mount your own over it), the
# Telegram token only from the environment at run time (docker run -e TELEGRAM_BOT_TOKEN); it is never
# written into the image. The health check is `bayan health`.
#
# PYTHON_IMAGE: any image with python3 (>= 3.11) and its venv module; the default is the official slim one.
ARG PYTHON_IMAGE=python:3.12-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
RUN python3 -m venv /opt/bayan && /opt/bayan/bin/pip install --no-cache-dir .

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/bayan/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BAYAN_DB=/app/storage/bayan.db \
    BAYAN_CONFIG=/app/feeds.yaml
RUN groupadd --system --gid 10001 bayan \
 && useradd --system --uid 10001 --gid bayan --home-dir /app --no-create-home --shell /usr/sbin/nologin bayan \
 && mkdir -p /app/storage \
 && chown bayan:bayan /app/storage
COPY --from=build /opt/bayan /opt/bayan
COPY feeds.yaml /app/feeds.yaml
WORKDIR /app
VOLUME ["/app/storage"]
USER bayan:bayan
HEALTHCHECK --interval=1m --timeout=30s --start-period=5m --retries=3 CMD ["bayan", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["bayan"]
CMD ["run"]

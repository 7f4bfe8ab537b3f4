# The ilacs service: `ilacs run` (scheduler and web) as a non-root user, its data on a volume.
# Build: podman build -t ilacs . (or ../shared/tools/container.sh build); run: see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A virtual environment of its own, so that this works whichever python3 the base has (/usr/local/bin in
# the official image, /usr/bin in the stand-in the tests build on); the base's pip fills it, so that the
# image carries no second pip.
RUN python3 -m venv --without-pip /opt/venv
ARG PIP="python3 -m pip --python /opt/venv/bin/python"

# The dependencies first, pinned with hashes, in a layer of their own that code changes do not rebuild.
COPY requirements.lock /tmp/requirements.lock
RUN $PIP install --require-hashes --only-binary=:all: -r /tmp/requirements.lock && rm /tmp/requirements.lock

COPY pyproject.toml README.md /tmp/src/
COPY config /tmp/src/config
COPY events /tmp/src/events
COPY service /tmp/src/service
COPY notifiers /tmp/src/notifiers
RUN $PIP install --no-deps /tmp/src && rm -rf /tmp/src
ENV PATH=/opt/venv/bin:$PATH

RUN useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ilacs \
    && mkdir -p /data /app && chown ilacs:ilacs /data

# The settings in /app/config/ilacs.toml when one is mounted there; the packaged defaults otherwise.
WORKDIR /app
ENV ILACS_DATA_DIR=/data \
    ILACS_HTTP_HOST=0.0.0.0 \
    ILACS_HTTP_PORT=8080
VOLUME ["/data"]
EXPOSE 8080
USER ilacs

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["ilacs", "healthcheck"]
CMD ["ilacs", "run"]

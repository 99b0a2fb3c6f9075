# One image for the three services; the command picks the service (see docker-compose.yml).
# Three stages: the member app's one npm package (the QR code generator) from the committed lock file; the
# locked runtime dependencies (requirements-runtime.lock: no test or lint tools) and refnet in a virtual
# environment; then only that environment on a fresh slim Python, run as an unprivileged user.
FROM node:20-slim AS app
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/refnet
COPY requirements-runtime.lock /tmp/
RUN /opt/refnet/bin/pip install --require-hashes -r /tmp/requirements-runtime.lock
WORKDIR /src
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY infra ./infra
COPY --from=app /web/node_modules/qrcode-generator/dist/qrcode.mjs ./services/members/entrypoints/static/app/
# not editable: the wheel's package data (migrations, the dashboard, the member app) is what runs
RUN /opt/refnet/bin/pip install --no-deps . \
 && /opt/refnet/bin/python -c "import importlib.resources as r; \
assert r.files('services.referrals.entrypoints').joinpath('static/dashboard.html').is_file(); \
assert r.files('services.members.entrypoints').joinpath('static/app/qrcode.mjs').is_file()"

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/refnet --create-home refnet
COPY --from=build /opt/refnet /opt/refnet
ENV PATH=/opt/refnet/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 REFNET_STATE_DIR=/var/lib/refnet
USER refnet
WORKDIR /var/lib/refnet
# ready = database answers, consumers assigned, outbox relay running (docs/operations.md)
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 CMD ["python", "-m", "infra.healthcheck"]
ENTRYPOINT ["refnet", "serve", "--host", "0.0.0.0"]
CMD ["members"]

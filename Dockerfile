# One image for the three services; the command picks the service (see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY infra ./infra
RUN pip install --no-cache-dir .
ENV PYTHONUNBUFFERED=1
ENTRYPOINT ["refnet", "serve", "--host", "0.0.0.0"]
CMD ["members"]

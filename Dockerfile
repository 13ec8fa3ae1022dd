# The API, the stream worker and the flows worker share one image; docker-compose.yml picks
# the command. tests/integration/test_installed_wheel.py builds this context into a wheel,
# installs it into a fresh virtualenv and runs it the way docker-compose.yml does: keep COPY,
# RUN and CMD in the forms that test reads.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY cartcoach ./cartcoach
COPY scorer ./scorer
COPY nudges ./nudges
COPY database ./database
COPY accounts ./accounts
COPY flows ./flows
COPY stream ./stream
COPY overlay_api ./overlay_api
COPY tracker/dist ./tracker/dist
COPY tracker/demo ./tracker/demo
RUN pip install --no-cache-dir .
# Not root: the worker writes only its table data (CARTCOACH_STREAM_DATA_DIR, under /app).
RUN useradd --system --home-dir /app cartcoach && chown cartcoach /app
USER cartcoach
# 8000: the API; 9101/9102: Prometheus metrics of the API / the worker (not published).
EXPOSE 8000 9101 9102
CMD ["cartcoach", "serve", "--host", "0.0.0.0", "--port", "8000"]

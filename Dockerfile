# The API, the stream worker and the flows worker share one image; docker-compose.yml picks the command.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY cartcoach ./cartcoach
COPY scorer ./scorer
COPY nudges ./nudges
COPY database ./database
COPY flows ./flows
COPY stream ./stream
COPY overlay_api ./overlay_api
COPY tracker/dist ./tracker/dist
COPY tracker/demo ./tracker/demo
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["cartcoach", "serve", "--host", "0.0.0.0", "--port", "8000"]

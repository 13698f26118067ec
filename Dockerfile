# The dashboard image used by docker-compose.yml. The database is the compose `db` service.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gcrm gcrm
COPY spatial spatial
COPY dashboards dashboards
COPY .streamlit .streamlit
RUN pip install --no-cache-dir .
EXPOSE 8501
# 0.0.0.0 inside the container; docker-compose.yml publishes it on the host's 127.0.0.1 only.
CMD ["sh", "-c", "gcrm db upgrade && gcrm demo --if-empty && streamlit run dashboards/server.py --server.port 8501 --server.address 0.0.0.0"]

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home app && chown -R app /app
USER app
EXPOSE 8000
# Workers, threads and timeouts: gunicorn.conf.py, shared with docker-compose and bench/ingest.py.
CMD ["gunicorn", "--config", "gunicorn.conf.py"]

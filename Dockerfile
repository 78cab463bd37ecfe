# The portal's one image: web (gunicorn), Celery worker and beat run from it
# (see docker-compose.yml). Production mode; configuration comes from the environment.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORTAL_ENV=production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    PRIVATE_MEDIA_ROOT=/app/private_media

# WeasyPrint renders PDFs through Pango and HarfBuzz; DejaVu has every Cyrillic glyph the
# documents use.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-dejavu-core shared-mime-info \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 portal \
    && useradd --system --uid 1000 --gid portal --home-dir /app --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .

COPY --chown=portal:portal . .

# Static files are collected (hashed and compressed) into the image; the values below exist
# only so that production settings load during the build and are not kept in the image.
RUN SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 CELERY_BROKER_URL=memory:// \
    EMAIL_URL=consolemail:// \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/media /app/private_media \
    && chown -R portal:portal /app/media /app/private_media /app/staticfiles

USER portal
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=8).status != 200)"]

CMD ["gunicorn", "network_portal.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000"]

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Static files are collected into the image (whitenoise serves them); the build needs no
# database and no real secret, only values that let the production settings load (nothing
# listens at that address). tests/crm/test_production_build.py runs this same command.
RUN DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=build-only \
    DATABASE_URL=postgres://build@127.0.0.1:1/build python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore=.venv >/dev/null
RUN useradd --create-home crm && mkdir -p /app/media && chown -R crm /app
USER crm
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--timeout", "60"]

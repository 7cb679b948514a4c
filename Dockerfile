# Blend, the Teams bot: one process serving /api/messages and /healthz on $PORT (default 3978).
# Build: docker build -t blend .   Run: see docs/deployment.md (APP_ID etc. come from the environment).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Only what the bot runs: the packages and modules pyproject.toml installs (no tests, no tools).
COPY pyproject.toml constraints.txt ./
COPY app.py settings.py ./
COPY trajectory ./trajectory
COPY dialogs ./dialogs
COPY cards ./cards
COPY bot ./bot
COPY storage ./storage
COPY graph ./graph
COPY outputs ./outputs

# constraints.txt pins every dependency to the versions CI tested.
RUN pip install -c constraints.txt . \
    && rm -rf build *.egg-info \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin blend \
    && mkdir data && chown blend data

# Unprivileged at run time. data/ is the default SQLite location (single instance only);
# production uses PostgreSQL through DATABASE_URL.
USER blend

EXPOSE 3978

# 200 only when the database answers; urllib because slim images have no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3978'), timeout=4)"

# Migrations run inside the app at start-up (under a PostgreSQL advisory lock).
CMD ["python", "app.py"]

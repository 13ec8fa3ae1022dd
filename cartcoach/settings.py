"""One settings object, read from the environment once and passed down.

Nothing else in the project reads ``os.environ``: the CLI builds a :class:`Settings`
and hands it to the app factories, so tests can build their own.

>>> s = Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092"})
>>> s.embedded, s.kafka_bootstrap_servers
(False, '127.0.0.1:9092')
>>> Settings.from_env({}).embedded
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_STORES_FILE = Path(__file__).with_name("demo_stores.yaml")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, with the embedded default when nothing is set.

    The product runs embedded (in-process queue and state, no servers) unless
    ``KAFKA_BOOTSTRAP_SERVERS`` is set; then events go to Kafka and profiles to
    ``REDIS_URL``.
    """

    stores_file: Path = DEFAULT_STORES_FILE
    #: How often the API looks for a changed stores file (0: never, read once at start-up).
    stores_reload_s: float = 2.0
    kafka_bootstrap_servers: str | None = None
    redis_url: str | None = None
    events_topic: str = "events"
    profiles_topic: str = "profiles"
    labels_topic: str = "labels"
    dead_letter_topic: str = "events-dead-letter"
    topic_partitions: int = 4
    #: Largest request body the collector reads, in bytes (the browser's beacon budget).
    max_body_bytes: int = 64 * 1024
    #: How long the collector waits for the broker's acknowledgement before answering 503.
    produce_timeout_s: float = 5.0
    #: Retry-After sent with a 503, in seconds.
    retry_after_s: int = 5
    profile_ttl_s: int = 24 * 3600
    #: Faust app id (the consumer group and the prefix of its internal topics).
    stream_app_id: str = "cartcoach-stream"
    #: Faust table store: ``memory://`` (changelog only) or ``rocksdb://``.
    stream_store: str = "memory://"
    stream_data_dir: Path = Path(".cartcoach-stream")
    #: A worker applies up to this many events at a time (one table write per session)...
    stream_batch_max: int = 500
    #: ...waiting at most this long to fill a batch.
    stream_batch_within_s: float = 0.01
    #: How often a worker commits the offsets whose session state is in the changelog.
    stream_commit_interval_s: float = 1.0
    #: How long the group waits for a silent worker before giving its partitions away.
    stream_session_timeout_s: float = 30.0
    #: At most one profile per session per this much event time, except at trigger moments.
    score_debounce_ms: int = 2_000
    #: A session with no event for this long is closed as abandoned (the snippet's rule).
    session_idle_timeout_s: int = 30 * 60
    sweep_interval_s: float = 30.0
    #: A closed session quiet this long leaves the worker's table (a tombstone in its changelog);
    #: longer than profile_ttl_s + session_idle_timeout_s, so its profile has expired by then.
    session_forget_after_s: int = 25 * 3600
    #: Learn online from survey answers and outcomes (off: the model stays as loaded).
    learning: bool = True
    #: Checkpoint the models after this many labels (and on shutdown).
    checkpoint_every: int = 200
    #: Survey answers one visitor, and one client (address), may teach the model per day.
    survey_labels_per_visitor: int = 2
    survey_labels_per_client: int = 20
    #: How often serving workers look for a newer model checkpoint.
    model_refresh_s: float = 30.0
    #: A learning decision's reward is closed this long after its attribution window ended
    #: (outcomes still in flight through the stream are counted; nudges/learning/learners.py).
    learning_grace_s: float = 60.0
    model_signing_key: bytes = field(default=b"cartcoach-dev-signing-key", repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    #: Where the Prometheus metrics listen: their own port, not the public API's (0: off).
    metrics_host: str = "127.0.0.1"
    api_metrics_port: int = 9101
    worker_metrics_port: int = 9102
    #: Optional copy from a language model behind an OpenAI-compatible API (off unless
    #: both base URL and model are set); templates are used whenever it has not answered.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    llm_timeout_s: float = 8.0
    llm_cache_ttl_s: float = 3600.0
    #: Where embedded state that must survive a restart lives (the SQLite database).
    data_dir: Path = Path(".cartcoach-data")
    #: The relational store (contacts, consents, flows, outbox); SQLite under ``data_dir`` if unset.
    database_url: str | None = None
    #: Divide every flow step's delay by this (the demo shows a 24-hour flow in a minute).
    flow_speedup: float = 1.0
    #: The public base URL of this server, for links in messages (unsubscribe, cart).
    public_url: str | None = None
    #: SMTP relay for e-mail steps (unset: e-mails are written to the outbox, not sent).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = True
    smtp_from: str = "cartcoach@localhost"
    #: Record every flow message in the outbox without handing it to any provider (the demo).
    flows_dry_run: bool = False
    #: The saq queue the flow steps wait in (tests use their own).
    flows_queue: str = "cartcoach-flows"
    #: İYS consent queries (unset: commercial messages to Turkish recipients are not sent).
    iys_url: str | None = None
    iys_username: str | None = None
    iys_password: str | None = field(default=None, repr=False)
    iys_code: str | None = None
    #: Origins accepted as push endpoints besides the browsers' own push services
    #: (``flows.push_subscriptions``), e.g. a stand-in in tests; comma-separated in the env.
    push_service_origins: tuple[str, ...] = ()
    #: Dashboard sign-in attempts one account, and one client, may make (``limits`` notation).
    signin_rate_per_account: str = "10 per 15 minutes"
    signin_rate_per_client: str = "60 per hour"
    #: Mark the dashboard's cookies Secure (HTTPS only). None: yes, unless the server binds loopback.
    cookie_secure: bool | None = None
    #: How long a dashboard sign-in lasts.
    session_ttl_s: int = 12 * 3600
    #: A user made owner of every store in the stores file at start-up (the demo's, a first admin).
    owner_email: str | None = None
    owner_password: str | None = field(default=None, repr=False)

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies everywhere but a server on this machine's loopback (the demo, tests)."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.host not in ("127.0.0.1", "localhost", "::1")

    @property
    def database(self) -> str:
        """The database URL to use: the configured one, else SQLite in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'cartcoach.db'}"

    @property
    def embedded(self) -> bool:
        """True when no Kafka is configured: the one-process default."""
        return self.kafka_bootstrap_servers is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``CARTCOACH_*``, ``KAFKA_BOOTSTRAP_SERVERS`` and ``REDIS_URL``."""
        env = os.environ if env is None else env
        defaults = cls()

        def get(name: str, default: str | None) -> str | None:
            value = env.get(name)
            return value if value not in (None, "") else default

        return cls(
            stores_file=Path(get("CARTCOACH_STORES_FILE", str(defaults.stores_file))),
            stores_reload_s=float(get("CARTCOACH_STORES_RELOAD_S", str(defaults.stores_reload_s))),
            kafka_bootstrap_servers=get("KAFKA_BOOTSTRAP_SERVERS", None),
            redis_url=get("REDIS_URL", None),
            events_topic=get("CARTCOACH_EVENTS_TOPIC", defaults.events_topic),
            profiles_topic=get("CARTCOACH_PROFILES_TOPIC", defaults.profiles_topic),
            labels_topic=get("CARTCOACH_LABELS_TOPIC", defaults.labels_topic),
            dead_letter_topic=get("CARTCOACH_DEAD_LETTER_TOPIC", defaults.dead_letter_topic),
            topic_partitions=int(get("CARTCOACH_TOPIC_PARTITIONS", str(defaults.topic_partitions))),
            max_body_bytes=int(get("CARTCOACH_MAX_BODY_BYTES", str(defaults.max_body_bytes))),
            produce_timeout_s=float(
                get("CARTCOACH_PRODUCE_TIMEOUT_S", str(defaults.produce_timeout_s))
            ),
            retry_after_s=int(get("CARTCOACH_RETRY_AFTER_S", str(defaults.retry_after_s))),
            profile_ttl_s=int(get("CARTCOACH_PROFILE_TTL_S", str(defaults.profile_ttl_s))),
            stream_app_id=get("CARTCOACH_STREAM_APP_ID", defaults.stream_app_id),
            stream_store=get("CARTCOACH_STREAM_STORE", defaults.stream_store),
            stream_data_dir=Path(get("CARTCOACH_STREAM_DATA_DIR", str(defaults.stream_data_dir))),
            stream_batch_max=int(get("CARTCOACH_STREAM_BATCH_MAX", str(defaults.stream_batch_max))),
            stream_batch_within_s=float(
                get("CARTCOACH_STREAM_BATCH_WITHIN_S", str(defaults.stream_batch_within_s))
            ),
            stream_commit_interval_s=float(
                get("CARTCOACH_STREAM_COMMIT_INTERVAL_S", str(defaults.stream_commit_interval_s))
            ),
            stream_session_timeout_s=float(
                get("CARTCOACH_STREAM_SESSION_TIMEOUT_S", str(defaults.stream_session_timeout_s))
            ),
            score_debounce_ms=int(
                get("CARTCOACH_SCORE_DEBOUNCE_MS", str(defaults.score_debounce_ms))
            ),
            session_idle_timeout_s=int(
                get("CARTCOACH_SESSION_IDLE_TIMEOUT_S", str(defaults.session_idle_timeout_s))
            ),
            sweep_interval_s=float(get("CARTCOACH_SWEEP_INTERVAL_S", str(defaults.sweep_interval_s))),
            session_forget_after_s=int(
                get("CARTCOACH_SESSION_FORGET_AFTER_S", str(defaults.session_forget_after_s))
            ),
            learning=get("CARTCOACH_LEARNING", "1") not in ("0", "false", "no", "off"),
            checkpoint_every=int(get("CARTCOACH_CHECKPOINT_EVERY", str(defaults.checkpoint_every))),
            survey_labels_per_visitor=int(
                get("CARTCOACH_SURVEY_LABELS_PER_VISITOR", str(defaults.survey_labels_per_visitor))
            ),
            survey_labels_per_client=int(
                get("CARTCOACH_SURVEY_LABELS_PER_CLIENT", str(defaults.survey_labels_per_client))
            ),
            model_refresh_s=float(get("CARTCOACH_MODEL_REFRESH_S", str(defaults.model_refresh_s))),
            learning_grace_s=float(get("CARTCOACH_LEARNING_GRACE_S", str(defaults.learning_grace_s))),
            model_signing_key=get(
                "CARTCOACH_MODEL_SIGNING_KEY", defaults.model_signing_key.decode()
            ).encode(),
            host=get("CARTCOACH_HOST", defaults.host),
            port=int(get("CARTCOACH_PORT", str(defaults.port))),
            metrics_host=get("CARTCOACH_METRICS_HOST", defaults.metrics_host),
            api_metrics_port=int(get("CARTCOACH_API_METRICS_PORT", str(defaults.api_metrics_port))),
            worker_metrics_port=int(
                get("CARTCOACH_WORKER_METRICS_PORT", str(defaults.worker_metrics_port))
            ),
            llm_base_url=get("CARTCOACH_LLM_BASE_URL", None),
            llm_model=get("CARTCOACH_LLM_MODEL", None),
            llm_api_key=get("CARTCOACH_LLM_API_KEY", None),
            llm_timeout_s=float(get("CARTCOACH_LLM_TIMEOUT_S", str(defaults.llm_timeout_s))),
            llm_cache_ttl_s=float(get("CARTCOACH_LLM_CACHE_TTL_S", str(defaults.llm_cache_ttl_s))),
            data_dir=Path(get("CARTCOACH_DATA_DIR", str(defaults.data_dir))),
            database_url=get("CARTCOACH_DATABASE_URL", None),
            flow_speedup=float(get("CARTCOACH_FLOW_SPEEDUP", str(defaults.flow_speedup))),
            public_url=get("CARTCOACH_PUBLIC_URL", None),
            smtp_host=get("CARTCOACH_SMTP_HOST", None),
            smtp_port=int(get("CARTCOACH_SMTP_PORT", str(defaults.smtp_port))),
            smtp_username=get("CARTCOACH_SMTP_USERNAME", None),
            smtp_password=get("CARTCOACH_SMTP_PASSWORD", None),
            smtp_starttls=get("CARTCOACH_SMTP_STARTTLS", "1") not in ("0", "false", "no", "off"),
            smtp_from=get("CARTCOACH_SMTP_FROM", defaults.smtp_from),
            flows_dry_run=get("CARTCOACH_FLOWS_DRY_RUN", "0") in ("1", "true", "yes", "on"),
            flows_queue=get("CARTCOACH_FLOWS_QUEUE", defaults.flows_queue),
            iys_url=get("CARTCOACH_IYS_URL", None),
            iys_username=get("CARTCOACH_IYS_USERNAME", None),
            iys_password=get("CARTCOACH_IYS_PASSWORD", None),
            iys_code=get("CARTCOACH_IYS_CODE", None),
            push_service_origins=tuple(o.strip().rstrip("/") for o in (get("CARTCOACH_PUSH_SERVICE_ORIGINS", "") or "").split(",") if o.strip()),
            signin_rate_per_account=get("CARTCOACH_SIGNIN_RATE_PER_ACCOUNT", defaults.signin_rate_per_account),
            signin_rate_per_client=get("CARTCOACH_SIGNIN_RATE_PER_CLIENT", defaults.signin_rate_per_client),
            cookie_secure=None if (v := get("CARTCOACH_COOKIE_SECURE", None)) is None
            else v not in ("0", "false", "no", "off"),
            session_ttl_s=int(get("CARTCOACH_SESSION_TTL_S", str(defaults.session_ttl_s))),
            owner_email=get("CARTCOACH_OWNER_EMAIL", None),
            owner_password=get("CARTCOACH_OWNER_PASSWORD", None),
        )

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
    model_signing_key: bytes = field(default=b"cartcoach-dev-signing-key", repr=False)
    host: str = "127.0.0.1"
    port: int = 8000

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
            model_signing_key=get(
                "CARTCOACH_MODEL_SIGNING_KEY", defaults.model_signing_key.decode()
            ).encode(),
            host=get("CARTCOACH_HOST", defaults.host),
            port=int(get("CARTCOACH_PORT", str(defaults.port))),
        )

"""The shared token cache in the core: file format and modes, freshness, keys, failures.

`--cache` and `cache list` / `cache clear` through the installed programs are in
tests/cli/test_cache.py.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ecrlogin import credentials, identity, render
from ecrlogin.cache import Credentials, Entry, ServedStale, Store, Unwritable, fetch_through
from ecrlogin.config import Config, RegistryConfig, resolve
from ecrlogin.errors import Interrupted, ServiceError
from ecrlogin.options import ClientOptions
from tests.support.env import ACCOUNT, basic_token

HOUR = 3600.0
NOW = 1_800_000_000.0
SECRET = "s3cret-password-value"


def entry(
    key: str = "k" * 64, *, issued: float = NOW, lifetime: float = 12 * HOUR, password: str = SECRET
) -> Entry:
    return Entry(
        key=key,
        issued=issued,
        expires=issued + lifetime,
        region="us-west-2",
        profile="prod",
        hosts=[f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"],
        tokens=[basic_token("AWS", password)],
        response='{"authorizationData":[]}',
    )


# --- the entry -------------------------------------------------------------------------


def test_entry_round_trips_and_hides_its_secrets() -> None:
    original = entry()
    assert Entry.loads(original.dumps()) == original
    assert original.credentials() == ("AWS", SECRET)
    assert SECRET not in repr(original)
    assert basic_token("AWS", SECRET) not in repr(original)


def test_every_truncation_of_an_entry_is_rejected() -> None:
    text = entry().dumps()
    for cut in range(len(text)):
        with pytest.raises(ValueError, match=r"\w"):
            Entry.loads(text[:cut])


def fields(**changes: object) -> str:
    """An entry's file form with some fields changed (None: left out)."""
    document = json.loads(entry().dumps())
    document.update(changes)
    return json.dumps({k: v for k, v in document.items() if v is not None}) + "\n"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{}\n",
        "[]\n",
        '{"format": "ecrlogin-token-cache 1"}\n',
        fields(format="ecrlogin-token-cache 1"),  # an older version's file: fetched again
        fields(issued="1"),
        fields(issued=True),
        fields(expires=None),
        fields(colour="blue"),
        fields(tokens=[]),
        fields(tokens=[1]),
        fields(hosts="a.example"),
        fields(issued=float("nan")),  # written as NaN
        fields(expires=123.5).replace("123.5", "1e999"),  # read as infinity
        "[" * 100_000 + "\n",
    ],
)
def test_corrupt_or_foreign_text_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        Entry.loads(text)


def test_a_token_that_does_not_decode_is_a_value_error() -> None:
    broken = Entry.loads(fields(tokens=["!!"]))
    with pytest.raises(ValueError, match="unusable token"):
        broken.credentials()


def test_served_until_half_its_validity_and_never_once_expired() -> None:
    fresh = entry(lifetime=12 * HOUR)
    assert fresh.fresh(NOW)
    assert fresh.fresh(NOW + 6 * HOUR - 1)
    assert not fresh.fresh(NOW + 6 * HOUR)
    assert fresh.usable(NOW + 11 * HOUR)  # for the API-failure fallback only
    assert not fresh.usable(NOW + 12 * HOUR)
    expired = entry(issued=NOW - 13 * HOUR)
    assert not expired.fresh(NOW)
    assert not expired.usable(NOW)


@given(st.floats(min_value=1, max_value=48 * HOUR), st.floats(min_value=0, max_value=1))
def test_freshness_is_exactly_the_first_half(lifetime: float, fraction: float) -> None:
    moment = NOW + lifetime * fraction
    # Within a microsecond of the half-life, float rounding of NOW + lifetime decides.
    assume(abs(moment - (NOW + lifetime / 2)) > 1e-6)
    assert entry(lifetime=lifetime).fresh(moment) == (moment < NOW + lifetime / 2)


# --- the store -------------------------------------------------------------------------


def test_writes_are_private_and_atomic(tmp_path: Path) -> None:
    directory = tmp_path / "made" / "ecrlogin"
    store = Store(str(directory))
    old_umask = os.umask(0)  # even a careless umask must not widen the modes
    try:
        assert store.write(entry())
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    (written,) = directory.iterdir()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert written.read_text() == entry().dumps()
    assert store.read("k" * 64) == entry()


def test_an_existing_directory_of_ours_keeps_its_mode(tmp_path: Path) -> None:
    # Not the cache's to chmod: the entries in it are 0600 whatever the directory is.
    tmp_path.joinpath("loose").mkdir()
    os.chmod(tmp_path / "loose", 0o755)  # noqa: S103 - the loose mode under test
    assert Store(str(tmp_path / "loose")).write(entry())
    assert stat.S_IMODE((tmp_path / "loose").stat().st_mode) == 0o755
    (written,) = (tmp_path / "loose").iterdir()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "spoil",
    [
        lambda path: path.write_text("garbage\n"),
        lambda path: path.write_bytes(path.read_bytes()[:-5]),
        lambda path: path.write_bytes(b"\xff\xfe" * 100),
        lambda path: path.write_text(entry(key="x" * 64).dumps()),  # another key's entry
        lambda path: os.chmod(path, 0o644),  # not private: someone else could have written it
    ],
    ids=["garbage", "truncated", "binary", "foreign-key", "not-private"],
)
def test_unusable_files_are_ignored_with_a_debug_note_and_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, spoil: object
) -> None:
    store = Store(str(tmp_path))
    store.write(entry())
    (path,) = tmp_path.glob("*.token")
    spoil(path)  # type: ignore[operator]
    with caplog.at_level(logging.DEBUG, logger="ecrlogin.cache"):
        assert store.read("k" * 64) is None
    assert any("Ignoring" in record.getMessage() for record in caplog.records)
    assert SECRET not in caplog.text
    calls: list[int] = []

    def fetch() -> Entry:
        calls.append(1)
        return entry(issued=time.time())

    served, _ = fetch_through("k" * 64, fetch, store=store)
    assert calls == [1]
    assert store.read("k" * 64) == served


def test_a_symlinked_entry_is_not_followed(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "c"))
    store.write(entry())
    (path,) = (tmp_path / "c").glob("*.token")
    target = tmp_path / "elsewhere"
    path.rename(target)
    path.symlink_to(target)
    assert store.read("k" * 64) is None


def test_remove_by_key_or_host_and_clear(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    store.write(entry("a" * 64))
    other = Entry.loads(entry("b" * 64).dumps().replace(ACCOUNT, "210987654321"))
    store.write(other)
    assert store.remove(keys=["a" * 64]) == 1
    assert [e.key for e in store.entries()] == ["b" * 64]
    assert store.remove(hosts=["210987654321.dkr.ecr.us-west-2.amazonaws.com"]) == 1
    assert store.entries() == []
    store.write(entry("c" * 64))
    with store.lock("c" * 64):
        pass
    store.write_memo("d" * 64, ["memo"])
    (tmp_path / f".{'e' * 32}.token.4242.0123abcd.tmp").write_text("leftover of a killed writer")
    assert store.clear() == 1
    assert list(tmp_path.iterdir()) == []
    assert Store(str(tmp_path / "absent")).clear() == 0


def test_memo_round_trip_and_rejects_another_digest(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    assert store.read_memo("e" * 64) is None
    assert store.write_memo("e" * 64, {"registries": [["a", "b", None, "d"]]})
    assert store.read_memo("e" * 64) == {"registries": [["a", "b", None, "d"]]}
    (path,) = tmp_path.glob("*.memo")
    path.write_text(path.read_text().replace("e" * 64, "f" * 64))
    assert store.read_memo("e" * 64) is None


# --- fetch_through ----------------------------------------------------------------------


def test_a_miss_fetches_once_and_a_hit_does_not_fetch(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    calls: list[float] = []

    def fetch() -> Entry:
        calls.append(time.time())
        return entry(issued=time.time())

    first = fetch_through("k" * 64, fetch, store=store)
    second = fetch_through("k" * 64, fetch, store=store)
    assert len(calls) == 1
    assert first == second
    assert first[1] == []


def test_past_half_life_it_fetches_again(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    store.write(entry(issued=NOW - 7 * HOUR))
    renewed = entry(issued=NOW)
    assert fetch_through("k" * 64, lambda: renewed, store=store, now=NOW) == (renewed, [])
    assert store.read("k" * 64) == renewed


def test_an_already_expired_token_is_returned_but_not_cached(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    expired = entry(issued=NOW - 13 * HOUR)
    assert fetch_through("k" * 64, lambda: expired, store=store, now=NOW) == (expired, [])
    assert list(tmp_path.glob("*.token")) == []


def failing(exc: Exception) -> Entry:
    raise exc


def test_api_failure_serves_a_still_valid_token_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(str(tmp_path))
    stale = entry(issued=NOW - 8 * HOUR)
    store.write(stale)
    error = ServiceError("GetAuthorizationToken was refused with ThrottlingException", code="x")
    served, warnings = fetch_through("k" * 64, lambda: failing(error), store=store, now=NOW)
    assert served == stale
    assert warnings == [ServedStale(stale.hosts, error.message, 4 * HOUR)]
    assert capsys.readouterr().err == ""  # the cache reports; the command layer says it
    line = render.cache_warning(warnings[0])
    assert line.startswith("Could not refresh the cached token for ")
    assert "ThrottlingException" in line
    assert "still valid for 4h 00m" in line
    assert SECRET not in line


@pytest.mark.parametrize(
    ("cached", "error"),
    [
        (None, ServiceError("refused")),
        (entry(issued=NOW - 12 * HOUR + 30), ServiceError("refused")),  # 30 s left: too little
        (entry(issued=NOW - 8 * HOUR), Interrupted("Interrupted.")),
    ],
    ids=["nothing-cached", "about-to-expire", "interrupted"],
)
def test_api_failure_is_raised_without_a_usable_token(
    tmp_path: Path, cached: Entry | None, error: Exception
) -> None:
    store = Store(str(tmp_path))
    if cached is not None:
        store.write(cached)
    with pytest.raises(type(error)):
        fetch_through("k" * 64, lambda: failing(error), store=store, now=NOW)


def test_an_unwritable_directory_means_no_cache_and_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("not a directory")
    store = Store(str(tmp_path / "file" / "ecrlogin"))
    calls: list[int] = []

    def fetch() -> Entry:
        calls.append(1)
        return entry(issued=time.time())

    for _ in range(3):
        served, warnings = fetch_through("k" * 64, fetch, store=store)
        assert served.credentials() == ("AWS", SECRET)
    assert len(calls) == 3
    assert capsys.readouterr().err == ""  # the cache reports; the command layer says it
    [warning] = warnings
    assert isinstance(warning, Unwritable)
    line = render.cache_warning(warning)
    assert line.startswith(f"The token cache directory {tmp_path}/file/ecrlogin cannot be written")
    assert "ECRLOGIN_CACHE_DIR" in line


def test_threads_missing_together_fetch_once(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    calls: list[int] = []
    start = threading.Barrier(8)

    def fetch() -> Entry:
        calls.append(1)
        time.sleep(0.3)  # long enough for every other thread to arrive and wait
        return entry(issued=time.time())

    results: list[Entry] = []

    def worker() -> None:
        start.wait()
        results.append(fetch_through("k" * 64, fetch, store=Store(str(tmp_path)))[0])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert calls == [1]
    assert len(results) == 8
    assert {r.credentials() for r in results} == {("AWS", SECRET)}
    assert store.read("k" * 64) is not None


def test_a_waiter_shares_the_failure_it_waited_for_and_serves_the_stale_token(
    tmp_path: Path,
) -> None:
    # The second thread arrives while the first one's call is failing: it makes no call
    # of its own, and serves the still-valid token with the first one's cause.
    store = Store(str(tmp_path))
    stale = entry(issued=time.time() - 8 * HOUR)
    store.write(stale)
    inside = threading.Event()
    calls: list[str] = []
    error = ServiceError("GetAuthorizationToken was refused with ThrottlingException")

    def slow_failure() -> Entry:
        calls.append("first")
        inside.set()
        time.sleep(0.5)
        raise error

    def counted() -> Entry:
        calls.append("waiter")
        return entry(issued=time.time())

    first: list[object] = []
    thread = threading.Thread(
        target=lambda: first.append(
            fetch_through("k" * 64, slow_failure, store=Store(str(tmp_path)))
        )
    )
    thread.start()
    assert inside.wait(10)
    served, warnings = fetch_through("k" * 64, counted, store=Store(str(tmp_path)), budget=30)
    thread.join(10)
    assert calls == ["first"]
    assert served == stale
    [warning] = warnings
    assert isinstance(warning, ServedStale)
    assert warning.cause == error.message
    # A later caller, which waited for nobody, tries again.
    assert fetch_through("k" * 64, counted, store=Store(str(tmp_path)))[0].issued > stale.issued
    assert calls == ["first", "waiter"]


# --- the key ------------------------------------------------------------------------------


@pytest.fixture
def key_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config").write_text("[profile prod]\nrole_arn = arn:aws:iam::1:role/a\n")
    (tmp_path / "credentials").write_text("[default]\naws_access_key_id = AKIA1\n")
    return {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_ACCESS_KEY_ID": "AKIA1",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(tmp_path / "web-token"),
        "AWS_DEFAULT_OUTPUT": "json",
        "AWS_REGION": "eu-west-1",
    }


def key(env: dict[str, str], **changes: object) -> str:
    request: dict[str, object] = {
        "service": "ecr",
        "region": "us-west-2",
        "registry_ids": [ACCOUNT],
        "endpoint_url": None,
        "use_fips": None,
        "use_dualstack": None,
        "profile": "prod",
    }
    request.update(changes)
    options = ClientOptions(
        region=request["region"],  # type: ignore[arg-type]
        profile=request["profile"],  # type: ignore[arg-type]
        endpoint_url=request["endpoint_url"],  # type: ignore[arg-type]
        use_fips=request["use_fips"],  # type: ignore[arg-type]
        use_dualstack=request["use_dualstack"],  # type: ignore[arg-type]
    )
    return identity.cache_key(
        options,
        request["registry_ids"],  # type: ignore[arg-type]
        public=request["service"] == "ecr-public",
        environ=env,
    )


def test_the_key_is_hashlibs_sha256_on_every_build() -> None:
    # identity.digest uses Python's built-in SHA-256 when the build has it (no OpenSSL
    # start-up on the cache hit): keys must not change on a build that falls back.
    expected = hashlib.sha256(identity.KEY_VERSION + b"1:a" + b"0:" + b"2:bc").hexdigest()
    assert identity.digest(b"a", b"", b"bc") == expected


@pytest.mark.parametrize(
    "change",
    [
        {"service": "ecr-public"},
        {"region": "us-east-1"},
        {"region": "cn-north-1"},
        {"registry_ids": ["210987654321"]},
        {"registry_ids": []},
        {"endpoint_url": "https://vpce.example"},
        {"use_fips": True},
        {"use_dualstack": True},
        {"profile": "dev"},
        {"profile": None},
        {"env": ("AWS_ACCESS_KEY_ID", "AKIA2")},
        {"env": ("AWS_SECRET_ACCESS_KEY", "other")},
        {"env": ("AWS_SESSION_TOKEN", "t")},
        {"env": ("AWS_PROFILE", "dev")},
        {"env": ("AWS_ROLE_ARN", "arn:aws:iam::1:role/b")},
        {"env": ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1")},
        {"env": ("AWS_ENDPOINT_URL_ECR", "http://localhost:1")},
        {"env": ("AWS_USE_FIPS_ENDPOINT", "true")},
        {"env": ("AWS_SHARED_CREDENTIALS_FILE", "/elsewhere")},
        {"file": ("config", "[profile prod]\nrole_arn = arn:aws:iam::2:role/a\n")},
        {"file": ("credentials", "[default]\naws_access_key_id = AKIA9\n")},
    ],
)
def test_anything_that_selects_another_identity_or_endpoint_changes_the_key(
    key_env: dict[str, str], tmp_path: Path, change: dict[str, object]
) -> None:
    before = key(key_env)
    env = dict(key_env)
    request = dict(change)
    setting = request.pop("env", None)
    if isinstance(setting, tuple):
        env[setting[0]] = setting[1]
    content = request.pop("file", None)
    if isinstance(content, tuple):
        (tmp_path / content[0]).write_text(content[1])
    assert key(env, **request) != before


@pytest.mark.parametrize(
    "change",
    [
        ("env", "AWS_DEFAULT_OUTPUT", "text"),
        ("env", "AWS_REGION", "ap-south-1"),  # the region is given: the variable is moot
        ("env", "AWS_CLI_AUTO_PROMPT", "on"),
        ("env", "PATH", "/nowhere"),
        ("file", "web-token", "a rotated web identity token"),
        ("file", "cli-cache", "rotated assume-role credentials"),
    ],
)
def test_credential_rotation_and_irrelevant_settings_keep_the_key(
    key_env: dict[str, str], tmp_path: Path, change: tuple[str, str, str]
) -> None:
    before = key(key_env)
    kind, name, value = change
    env = dict(key_env)
    if kind == "env":
        env[name] = value
    else:
        (tmp_path / name).write_text(value)
    assert key(env) == before


def test_the_region_variable_counts_when_no_region_is_given(key_env: dict[str, str]) -> None:
    assert key(key_env, region=None) != key({**key_env, "AWS_REGION": "ap-south-1"}, region=None)


SETTINGS = Config(
    registries={
        "registry.example.com": RegistryConfig(
            host="registry.example.com", account=ACCOUNT, region="eu-west-1", profile="mirror"
        )
    }
)


@pytest.mark.parametrize(
    ("host", "options", "ids", "public"),
    [
        (
            f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com",
            ClientOptions(region="us-west-2"),
            [ACCOUNT],
            False,
        ),
        (
            f"{ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com",
            ClientOptions(region="us-east-1", use_fips=True),
            [ACCOUNT],
            False,
        ),
        (
            f"{ACCOUNT}.dkr-ecr.eu-west-1.on.aws",
            ClientOptions(region="eu-west-1", use_dualstack=True),
            [ACCOUNT],
            False,
        ),
        ("public.ecr.aws", ClientOptions(region="us-east-1"), [], True),
        (
            "registry.example.com",
            ClientOptions(region="eu-west-1", profile="mirror"),
            [ACCOUNT],
            False,
        ),
    ],
)
def test_the_helper_computes_the_cores_key_without_botocore(
    host: str, options: ClientOptions, ids: list[str], public: bool
) -> None:
    target = resolve(host, SETTINGS)
    assert target is not None
    # The helper aims the same options at the host as a cache miss would call with...
    assert credentials.options_for(target) == options
    # ...and derives the key the one way the core does.
    assert credentials.cache_key(target) == identity.cache_key(options, ids, public=public)


def test_cached_credentials_never_show_the_password_in_their_repr() -> None:
    found = Credentials("AWS", "s3cret-password", 1.5)
    assert (found.username, found.password, found.expires) == ("AWS", "s3cret-password", 1.5)
    assert "s3cret-password" not in repr(found)

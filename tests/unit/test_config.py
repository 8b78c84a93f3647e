"""The ecrlogin config file: where it is, what it maps, and errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecrlogin import config
from ecrlogin.config import Config, RegistryConfig, Target, load, resolve
from ecrlogin.errors import CONFIGURATION, ConfigurationError
from ecrlogin.hosts import Registry

A = "123456789012"
ECR_HOST = f"{A}.dkr.ecr.us-west-2.amazonaws.com"

GOOD = f"""\
# per-registry profile
[registries."{ECR_HOST}"]
profile = "prod"

[registries."Registry.Example.com"]    # a pull-through cache
account = "210987654321"
region = "eu-west-1"
profile = "mirror"

[registries."127.0.0.1:5000"]
account = "{A}"
region = "cn-north-1"
"""


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_location_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("ECRLOGIN_CONFIG", raising=False)
    assert Path(config.config_file()) == tmp_path / "home/.config/ecrlogin/config.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    assert Path(config.config_file()) == tmp_path / "home/.config/ecrlogin/config.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert Path(config.config_file()) == tmp_path / "xdg/ecrlogin/config.toml"
    monkeypatch.setenv("ECRLOGIN_CONFIG", str(tmp_path / "explicit.toml"))
    assert Path(config.config_file()) == tmp_path / "explicit.toml"
    assert config.config_file() == str(tmp_path / "explicit.toml")


def test_a_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    loaded = load(tmp_path / "absent.toml")
    assert loaded == Config()
    assert loaded.path is None
    assert loaded.registries == {}


def test_tables_are_read_and_hosts_normalised(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    loaded = load(path)
    assert loaded.path == path
    assert loaded.registries == {
        ECR_HOST: RegistryConfig(host=ECR_HOST, profile="prod"),
        "registry.example.com": RegistryConfig(
            host="registry.example.com",
            account="210987654321",
            region="eu-west-1",
            profile="mirror",
        ),
        "127.0.0.1:5000": RegistryConfig(host="127.0.0.1:5000", account=A, region="cn-north-1"),
    }


def test_resolve_gives_each_host_its_api_and_profile(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, GOOD))
    assert resolve(f"https://{ECR_HOST}/team/app:1", loaded) == Target(
        registry=Registry(host=ECR_HOST, account=A, region="us-west-2", partition="aws"),
        profile="prod",
    )
    assert resolve("REGISTRY.example.com/library/alpine", loaded) == Target(
        registry=Registry(
            host="registry.example.com", account="210987654321", region="eu-west-1", partition="aws"
        ),
        profile="mirror",
    )
    mapped = resolve("127.0.0.1:5000", loaded)
    assert mapped is not None
    assert (mapped.registry.partition, mapped.profile, mapped.host) == (
        "aws-cn",
        None,
        "127.0.0.1:5000",
    )
    # Unmapped: an ECR host still resolves (default profile), anything else does not.
    other = resolve(f"{A}.dkr.ecr-fips.us-east-1.amazonaws.com", loaded)
    assert other is not None
    assert (other.registry.fips, other.profile) == (True, None)
    assert resolve("registry.example.com:5000", loaded) is None
    assert resolve("docker.io", loaded) is None
    assert resolve("not a host", loaded) is None


def test_the_memo_round_trips_and_anything_else_is_refused(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, GOOD))
    assert Config.from_memo(json.loads(json.dumps(loaded.memo())), str(loaded.path)) == loaded
    foreign: object
    for foreign in (None, [], {"registries": [["only", "two"]]}, {"registries": [[1, 2, 3, 4]]}):
        with pytest.raises(ValueError, match="not a memo"):
            Config.from_memo(foreign, None)


def error_of(tmp_path: Path, text: str | bytes) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigurationError) as caught:
        load(path)
    assert caught.value.exit_code == CONFIGURATION
    message = caught.value.message
    assert "\n" not in message
    assert message.startswith(str(path))
    return message[len(str(path)) :]


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[registries."a.example.com"]\naccount = "1\n')
    assert message.startswith(": not valid TOML:")
    assert "line 2" in message


def test_unknown_top_level_key_names_its_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, 'cache = true\n[registries."a.example.com"]\n')
    assert message.startswith(", line 1: unknown key 'cache'.")


def test_unknown_key_in_a_table_names_its_line(tmp_path: Path) -> None:
    message = error_of(
        tmp_path,
        f'[registries."{ECR_HOST}"]\nprofile = "a"\n\n[registries."b.example.com"]\n'
        'account = "123456789012"\nregion = "us-east-1"\nprofil = "typo"\n',
    )
    # The line and its key words (tests/data/error_lines.json has the documented line).
    assert message.startswith(", line 7: ")
    for words in ("unknown key 'profil'", "registries.'b.example.com'", "Allowed keys:"):
        assert words in message
    assert message.endswith("account, region, profile.")


@pytest.mark.parametrize(
    ("line", "fix"),
    [
        ("account = 123456789012", "account is a 12-digit AWS account ID, in quotes."),
        ('account = "12345"', "account is a 12-digit AWS account ID, in quotes."),
        ('region = "Oregon"', 'region is a region name such as "us-west-2".'),
        ("profile = true", "profile is the name of a profile in the AWS config files."),
        ('profile = ""', "profile is the name of a profile in the AWS config files."),
        ('profile = "a\\nb"', "profile is the name of a profile in the AWS config files."),
    ],
)
def test_a_wrong_value_names_its_line_and_the_fix(tmp_path: Path, line: str, fix: str) -> None:
    # The same key in an earlier table must not be the line reported.
    text = f'[registries."{ECR_HOST}"]\nprofile = "ok"\n\n[registries."b.example.com"]\n{line}\n'
    message = error_of(tmp_path, text)
    assert message.startswith(", line 5: registries.'b.example.com'.")
    assert message.endswith(fix)


def test_custom_host_needs_account_and_region(tmp_path: Path) -> None:
    message = error_of(tmp_path, '\n[registries."b.example.com"]\nprofile = "x"\n')
    assert message.startswith(", line 2: custom registry 'b.example.com' needs both account")


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ('registries = "x"\n', ", line 1: `registries` must be a table."),
        ('[registries]\n"a.example.com" = 3\n', ", line 2: registries.'a.example.com' must be"),
        ('[registries."not a host"]\n', ", line 1: 'not a host' is not a registry host name."),
        (
            '[registries."A.example.com"]\naccount = "123456789012"\nregion = "us-east-1"\n'
            '[registries."a.example.com"]\naccount = "123456789012"\nregion = "us-east-1"\n',
            ", line 4: registry 'a.example.com' is configured twice.",
        ),
    ],
)
def test_structural_errors(tmp_path: Path, text: str, cause: str) -> None:
    assert error_of(tmp_path, text).startswith(cause)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, b'# ok\n[registries."a.example.com"]\nprofile = "\xff"\n')
    assert message == ", line 3: not UTF-8 text. Save the file as UTF-8."


def test_an_unreadable_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="Cannot read the ecrlogin config file"):
        load(tmp_path)  # a directory


# Adding `[store] fallback` (login --helper --store) to a file as the user wrote it.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[store]", '[store]\nfallback = "pass"\n'),
        ("[store]\n", '[store]\nfallback = "pass"\n'),
        ("# mine\n[store]", '# mine\n[store]\nfallback = "pass"\n'),
        ("[store]\r\n", '[store]\r\nfallback = "pass"\n'),
        ("# mine", '# mine\n\n[store]\nfallback = "pass"\n'),
        ("", '[store]\nfallback = "pass"\n'),
    ],
)
def test_the_fallback_goes_into_a_file_without_a_final_newline(text: str, expected: str) -> None:
    # Before: `[store]` with no newline after it became `[store]fallback = "pass"`, and the
    # valid file was reported as invalid TOML.
    updated = config.with_fallback(text.encode(), "pass", "config.toml")
    assert updated == expected.encode()
    assert config.parse(updated, "config.toml").fallback == "pass"


_TABLES = st.sampled_from(
    [
        "# a comment",
        "",
        f'[registries."{ECR_HOST}"]\nprofile = "prod"',
        '[registries."mirror.example.com:5000"]\naccount = "210987654321"\nregion = "eu-west-1"',
        "[store]",
        "[store] # the fallback store",
    ]
)


@given(
    parts=st.lists(_TABLES, max_size=5),
    newline=st.sampled_from(["\n", "\r\n"]),
    final=st.booleans(),
)
def test_adding_the_fallback_keeps_every_line_and_parses(
    parts: list[str], newline: str, final: bool
) -> None:
    if sum("[store]" in part for part in parts) > 1:
        parts = [part for part in parts if "[store]" not in part] + ["[store]"]
    text = newline.join(part.replace("\n", newline) for part in parts) + (newline if final else "")
    try:
        before = config.parse(text.encode(), "config.toml")
    except ConfigurationError:
        return  # not a valid file to start from (e.g. two tables for one host)
    updated = config.with_fallback(text.encode(), "pass", "config.toml")
    assert updated is not None
    after = config.parse(updated, "config.toml")
    assert after.fallback == "pass"
    assert after.registries == before.registries
    # Every line the user wrote is still there, in order; only ours were added.
    kept = [line for line in updated.decode().splitlines() if line != 'fallback = "pass"']
    written = [line for line in text.splitlines() if line]
    if not any(line.startswith("[store]") for line in written):
        written.append("[store]")
    assert [line for line in kept if line] == written

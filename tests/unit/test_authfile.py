"""Merging into docker's config.json and the containers auth.json: keep everything else."""

from __future__ import annotations

import base64
import copy
import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecrlogin import authfile
from ecrlogin.errors import ConfigurationError

HOST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
OTHER = "210987654321.dkr.ecr.us-east-1.amazonaws.com"


def auth_of(username: str, password: str) -> dict[str, str]:
    return {"auth": base64.b64encode(f"{username}:{password}".encode()).decode()}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# Default locations, as the clients themselves read them.


def test_docker_config_path_follows_docker_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "d"))
    assert authfile.default_path("docker") == tmp_path / "d" / "config.json"
    monkeypatch.delenv("DOCKER_CONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert authfile.default_path("docker") == tmp_path / ".docker" / "config.json"


def test_containers_path_follows_registry_auth_file_then_runtime_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(tmp_path / "a.json"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    assert authfile.default_path("containers") == tmp_path / "a.json"
    monkeypatch.delenv("REGISTRY_AUTH_FILE")
    assert authfile.default_path("containers") == tmp_path / "run" / "containers" / "auth.json"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert authfile.default_path("containers") == Path(f"/run/containers/{os.getuid()}/auth.json")


# Writing: new files and directories are private; existing content is kept.


def test_new_file_is_0600_in_new_0700_directories(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "config.json"
    authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    assert json.loads(path.read_text()) == {"auths": {HOST: auth_of("AWS", "pw")}}
    assert mode(path) == 0o600
    assert mode(tmp_path / "a") == 0o700
    assert mode(tmp_path / "a" / "b") == 0o700


def test_an_existing_file_keeps_every_other_key_and_its_mode_with_a_warning(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.json"
    original: dict[str, Any] = {
        "auths": {
            OTHER: auth_of("someone", "else"),
            f"https://{HOST}": auth_of("legacy", "key"),
            HOST: {"auth": "c3RhbGU6c3RhbGU=", "identitytoken": "stale"},
        },
        "credHelpers": {"gcr.io": "gcloud"},
        "psFormat": "table {{.ID}}",
        "proxies": {"default": {"httpProxy": "http://proxy:3128"}},
    }
    path.write_text(json.dumps(original))
    path.chmod(0o644)
    warnings = authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    data = json.loads(path.read_text())
    expected = copy.deepcopy(original)
    # Our host's whole entry is replaced: a stale identitytoken would win over the password.
    expected["auths"][HOST] = auth_of("AWS", "pw")
    assert data == expected
    # The owner chose that mode (docker keeps it too); they are told what it now exposes.
    assert mode(path) == 0o644
    assert warnings == [
        "the file's mode is 0644, so other users can read the password now in it; "
        f"run `chmod 600 {path}` to keep it private"
    ]


def test_writes_through_a_symlink_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "config.json"
    real.parent.mkdir()
    real.write_text('{"psFormat": "x"}')
    link = tmp_path / "config.json"
    link.symlink_to(real)
    authfile.store_passwords(link, {HOST: ("AWS", "pw")}, fmt="docker")
    assert link.is_symlink()
    assert json.loads(real.read_text())["psFormat"] == "x"
    assert HOST in json.loads(real.read_text())["auths"]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "holds a JSON list"),
        (b'{"auths": []}', "'auths' in the config file is a list"),
    ],
)
def test_a_file_that_cannot_be_merged_is_left_untouched(
    tmp_path: Path, content: bytes, why: str
) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(content)
    with pytest.raises(ConfigurationError, match=why) as info:
        authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    assert path.read_bytes() == content
    assert "does not overwrite" in info.value.message
    assert list(tmp_path.glob(".config.json.*")) == []  # no temp file left behind


def test_an_empty_file_is_an_empty_config(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b"")
    authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    assert json.loads(path.read_text()) == {"auths": {HOST: auth_of("AWS", "pw")}}


def test_an_unusable_directory_is_a_configuration_error(tmp_path: Path) -> None:
    # A regular file where the directory should be: fails for root too.
    (tmp_path / "docker").write_text("")
    with pytest.raises(ConfigurationError, match=r"Cannot update .*Not a directory") as info:
        authfile.store_passwords(
            tmp_path / "docker" / "config.json", {HOST: ("AWS", "pw")}, fmt="docker"
        )
    assert "--config-file" in info.value.message


# Shadowing: credHelpers and credsStore win over auths.


def test_warns_when_cred_helpers_shadow_the_password(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"credHelpers": {HOST: "ecr-login"}}))
    path.chmod(0o600)  # a loose mode would add its own warning
    warnings = authfile.store_passwords(
        path, {HOST: ("AWS", "pw"), OTHER: ("AWS", "pw")}, fmt="docker"
    )
    assert len(warnings) == 1
    assert "credHelpers names 'ecr-login' for " + HOST in warnings[0]


@pytest.mark.parametrize(("fmt", "warned"), [("docker", True), ("containers", False)])
def test_creds_store_shadows_only_for_docker(tmp_path: Path, fmt: str, warned: bool) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"credsStore": "desktop"}))
    path.chmod(0o600)  # a loose mode would add its own warning
    warnings = authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt=fmt)
    assert bool(warnings) is warned
    if warned:
        assert "credsStore is 'desktop'" in warnings[0]


def test_helper_sets_cred_helpers_and_says_what_it_replaced(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"credHelpers": {HOST: "ecr-login", "gcr.io": "gcloud"}}))
    warnings = authfile.set_helpers(path, [HOST, OTHER], "ecrlogin", fmt="docker")
    assert json.loads(path.read_text()) == {
        "credHelpers": {HOST: "ecrlogin", "gcr.io": "gcloud", OTHER: "ecrlogin"}
    }
    assert warnings == [f"credHelpers for {HOST} named 'ecr-login'; it now names 'ecrlogin'"]


# Removing: only what login wrote.


def test_remove_passwords_removes_only_ours(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "auths": {
                    HOST: auth_of("AWS", "pw"),
                    OTHER: auth_of("alice", "pw"),  # someone else's login
                    "x.example": auth_of("AWS", "pw"),  # not asked for
                },
                "credsStore": "pass",
            }
        )
    )
    removed = authfile.remove_passwords(path, [HOST, OTHER, "absent.example"])
    assert removed == [HOST]
    assert json.loads(path.read_text()) == {
        "auths": {OTHER: auth_of("alice", "pw"), "x.example": auth_of("AWS", "pw")},
        "credsStore": "pass",
    }


def test_remove_helpers_removes_only_entries_naming_ecrlogin(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"credHelpers": {HOST: "ecrlogin", OTHER: "ecr-login"}}))
    assert authfile.remove_helpers(path, [HOST, OTHER], "ecrlogin") == [HOST]
    assert json.loads(path.read_text()) == {"credHelpers": {OTHER: "ecr-login"}}


def test_remove_helpers_removes_the_credhelpers_it_empties_and_keeps_auths(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.json"
    path.write_text(f'{{\n\t"auths": {{}},\n\t"credHelpers": {{"{HOST}": "ecrlogin"}}\n}}')
    assert authfile.remove_helpers(path, [HOST], "ecrlogin") == [HOST]
    assert path.read_text() == '{\n\t"auths": {}\n}'


def test_removing_from_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nothing" / "config.json"
    assert authfile.remove_passwords(path, [HOST]) == []
    assert not (tmp_path / "nothing").exists()


def test_an_unchanged_file_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"auths": {}}')
    before = path.stat().st_ino
    assert authfile.remove_passwords(path, [HOST]) == []
    assert path.stat().st_ino == before
    assert path.read_text() == '{"auths": {}}'


# Property: arbitrary existing files keep every foreign key and entry.

json_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
host_names = st.from_regex(r"[a-z][a-z0-9]{0,8}\.(example|test)(:[1-9][0-9]{0,3})?", fullmatch=True)
entries = st.dictionaries(
    host_names, st.dictionaries(st.text(max_size=6), json_leaf, max_size=2), max_size=4
)
existing_files = st.fixed_dictionaries(
    {},
    optional={
        "auths": entries,
        "credHelpers": st.dictionaries(host_names, st.text(min_size=1, max_size=6), max_size=3),
        "credsStore": st.text(max_size=6),
    },
).flatmap(
    lambda known: st.dictionaries(
        st.text(max_size=10).filter(lambda k: k not in ("auths", "credHelpers", "credsStore")),
        json_value,
        max_size=4,
    ).map(lambda extra: {**extra, **known})
)
ours = st.dictionaries(host_names, st.text(min_size=1, max_size=20), min_size=1, max_size=4)


def foreign(data: dict[str, Any], hosts: set[str]) -> dict[str, Any]:
    """Everything in a config file except what login writes for `hosts`."""
    out = copy.deepcopy(data)
    for key in ("auths", "credHelpers"):
        if isinstance(out.get(key), dict):
            out[key] = {h: v for h, v in out[key].items() if h not in hosts}
            if not out[key]:
                del out[key]
    return out


@settings(max_examples=150, deadline=None)
@given(existing=existing_files, passwords=ours)
def test_property_login_keeps_every_foreign_key_and_entry(
    tmp_path_factory: pytest.TempPathFactory,
    existing: dict[str, Any],
    passwords: dict[str, str],
) -> None:
    path = tmp_path_factory.mktemp("prop") / "config.json"
    path.write_text(json.dumps(existing))
    authfile.store_passwords(path, {h: ("AWS", p) for h, p in passwords.items()}, fmt="docker")
    data = json.loads(path.read_text())
    assert foreign(data, set(passwords)) == foreign(existing, set(passwords))
    for host, password in passwords.items():
        assert data["auths"][host] == auth_of("AWS", password)


@settings(max_examples=150, deadline=None)
@given(existing=existing_files, passwords=ours)
def test_property_login_then_logout_restores_the_file(
    tmp_path_factory: pytest.TempPathFactory,
    existing: dict[str, Any],
    passwords: dict[str, str],
) -> None:
    # Only hosts the file did not mention: a replaced entry cannot come back.
    for key in ("auths", "credHelpers"):
        for host in passwords:
            existing.get(key, {}).pop(host, None)
    path = tmp_path_factory.mktemp("prop") / "config.json"
    path.write_text(json.dumps(existing))
    hosts = list(passwords)
    authfile.store_passwords(path, {h: ("AWS", p) for h, p in passwords.items()}, fmt="docker")
    authfile.set_helpers(path, hosts, "ecrlogin", fmt="docker")
    assert sorted(authfile.remove_passwords(path, hosts)) == sorted(hosts)
    assert sorted(authfile.remove_helpers(path, hosts, "ecrlogin")) == sorted(hosts)
    data = json.loads(path.read_text())
    # Only an emptied "auths" login created may stay behind (docker always writes one); a
    # credHelpers the logout emptied goes, as docker writes none until a helper is set.
    if "auths" not in existing:
        assert data.pop("auths") == {}
    if existing.get("credHelpers") == {}:
        del existing["credHelpers"]
    assert data == existing


@settings(max_examples=100, deadline=None)
@given(existing=existing_files, hosts=st.lists(host_names, min_size=1, max_size=4))
def test_property_logout_of_foreign_entries_changes_nothing(
    tmp_path_factory: pytest.TempPathFactory, existing: dict[str, Any], hosts: list[str]
) -> None:
    # Foreign entries for the very hosts we log out of: none has the shape login writes.
    for host in hosts:
        existing.setdefault("auths", {})[host] = auth_of("not-aws", "x")
        if isinstance(existing.get("credHelpers"), dict) and host in existing["credHelpers"]:
            existing["credHelpers"][host] = "another-helper"
    path = tmp_path_factory.mktemp("prop") / "config.json"
    text = json.dumps(existing)
    path.write_text(text)
    assert authfile.remove_passwords(path, hosts) == []
    assert authfile.remove_helpers(path, hosts, "ecrlogin") == []
    assert path.read_text() == text


# Numbers in other tools' parts of the file: written back as the very text they were.


@pytest.mark.parametrize(
    "number",
    [
        "0.30000000000000000001",
        "12345678901234567890.5",
        "123456789012345678901234567890",
        "-0",
        "-0.0",
        "1E2",
        "1e-7",
        "2.50",
        "1.0e+10",
        "4.9e-324",
    ],
)
def test_a_foreign_number_comes_back_as_it_was_written(tmp_path: Path, number: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(f'{{"psFormat": "table", "tool": {{"ratio": {number}, "list": [{number}]}}}}')
    authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    text = path.read_text()
    assert f'"ratio": {number},' in text
    assert f"\t\t\t{number}\n" in text
    assert json.loads(text)["auths"] == {HOST: auth_of("AWS", "pw")}
    assert authfile.remove_passwords(path, [HOST]) == [HOST]
    assert f'"ratio": {number},' in path.read_text()


# JSON's number grammar, short of what no double holds (1e999 is refused, as the README says).
JSON_NUMBERS = st.from_regex(
    r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,2})?", fullmatch=True
)


def _texted(value: Any, numbers: list[str]) -> Any:
    """`value` with each number replaced by a marker string, its literal kept in `numbers`."""
    if isinstance(value, dict):
        return {k: _texted(v, numbers) for k, v in value.items()}
    if isinstance(value, list):
        return [_texted(v, numbers) for v in value]
    if isinstance(value, tuple):  # a drawn number literal
        numbers.append(value[0])
        return f"\ue000{len(numbers) - 1}\ue001"
    return value


def _as_go_writes(text: str) -> str:
    """JSON text from json.dumps as Go's encoding/json (docker) writes it: <, >, & and the
    JavaScript line separators escaped (they occur only inside strings)."""
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _with_literals(text: str, numbers: list[str]) -> str:
    for index, literal in enumerate(numbers):
        text = text.replace(f'"\ue000{index}\ue001"', literal, 1)
    return text


number_values = st.recursive(
    st.none() | st.booleans() | st.text(max_size=6) | JSON_NUMBERS.map(lambda n: (n,)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=100, deadline=None)
@given(
    document=st.dictionaries(
        st.text(max_size=8).filter(lambda k: k != "auths"), number_values, max_size=4
    )
)
def test_property_every_untouched_byte_survives_a_login(
    tmp_path_factory: pytest.TempPathFactory, document: dict[str, Any]
) -> None:
    # A file as ecrlogin itself writes them (tab-indented), with numbers of any spelling:
    # after a login, it is the same text with our entry added at the end, byte for byte.
    numbers: list[str] = []
    marked = _as_go_writes(json.dumps(_texted(document, numbers), indent="\t", ensure_ascii=False))
    before = _with_literals(marked, numbers) + "\n"
    path = tmp_path_factory.mktemp("numbers") / "config.json"
    path.write_text(before, encoding="utf-8")
    authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    after = path.read_text(encoding="utf-8")
    entry = json.dumps({HOST: auth_of("AWS", "pw")}, indent="\t").replace("\n", "\n\t")
    if document:
        assert after == before[: -len("\n}\n")] + f',\n\t"auths": {entry}\n}}\n'
    else:
        assert after == f'{{\n\t"auths": {entry}\n}}\n'
    # And a logout gives back the file as it was, but for the emptied section.
    authfile.remove_passwords(path, [HOST])
    restored = path.read_text(encoding="utf-8")
    assert restored.replace(',\n\t"auths": {}', "").replace('\n\t"auths": {}\n', "") == (
        before if document else "{}\n"
    )


# Concurrency within one process: the lock serialises every read-modify-write.


def test_concurrent_updates_from_threads_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"psFormat": "keep"}')
    hosts = [f"{100000000000 + n}.dkr.ecr.us-east-1.amazonaws.com" for n in range(40)]
    threads = [
        threading.Thread(
            target=authfile.store_passwords, args=(path, {h: ("AWS", h)}), kwargs={"fmt": "docker"}
        )
        for h in hosts
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    data = json.loads(path.read_text())
    assert data["psFormat"] == "keep"
    assert set(data["auths"]) == set(hosts)


@pytest.mark.parametrize("ending", ["", "\n", "\r\n", "\n\n"])
def test_login_then_logout_gives_back_a_docker_written_file_byte_for_byte(
    tmp_path: Path, ending: str
) -> None:
    # docker writes config.json tab-indented and with no final newline (Go's
    # json.MarshalIndent); an editor adds one. Whatever ends the file is the user's.
    before = '{\n\t"auths": {},\n\t"psFormat": "table {{.ID}}"\n}' + ending
    path = tmp_path / "config.json"
    path.write_bytes(before.encode())
    authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    assert path.read_bytes().endswith(b"}" + ending.encode())
    authfile.remove_passwords(path, [HOST])
    assert path.read_bytes() == before.encode()

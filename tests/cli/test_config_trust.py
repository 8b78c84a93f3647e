"""The ecrlogin config decides which hosts get a token: it is believed only when no one but
its user (or root) can change it, and mapping a public registry to ECR is warned about.

Real files with real owners: as root the files are given to a uid nobody uses here,
and the helper is also run as that throw-away unprivileged user.
"""

from __future__ import annotations

import grp
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecrlogin import config, files
from ecrlogin.cache import Store
from ecrlogin.errors import ConfigurationError
from tests.support.env import isolated_env
from tests.support.files import one_error_line
from tests.support.helper import HELPER, NOT_FOUND_LINE, helper
from tests.support.tools import IS_ROOT, ecrlogin, require_tool

OTHER_UID, OTHER_GID = 4242, 4343  # nobody on this machine: "another user"
MAPPING = '[registries."mirror.example.com"]\naccount = "123456789012"\nregion = "us-west-2"\n'


def run_helper(place: Path, config_file: Path, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    home = place / "home"
    env = {
        **isolated_env(home),
        "ECRLOGIN_CONFIG": str(config_file),
        "ECRLOGIN_NO_CACHE": "1",
    }
    return subprocess.run(
        [HELPER, "get"],
        input=stdin,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def write(path: Path, mode: int, owner: tuple[int, int] | None = None) -> Path:
    path.write_text(MAPPING)
    path.chmod(mode)
    if owner is not None:
        os.chown(path, *owner)
    return path


def refused(done: subprocess.CompletedProcess[bytes], path: Path) -> bool:
    lines = done.stderr.decode().splitlines()
    return (
        b"Secret" not in done.stdout  # the helper's protocol answer is the same line
        and len(lines) == 1
        and f"Refusing the ecrlogin config file {path}" in lines[0]
        and "chmod go-w" in lines[0]
    )


def believed(done: subprocess.CompletedProcess[bytes]) -> bool:
    """The helper read the config: docker.io, not mapped there, is simply not found."""
    return (done.returncode, done.stdout) == (1, NOT_FOUND_LINE) and b"Refusing" not in (
        done.stderr
    )


@pytest.mark.parametrize("mode", [0o666, 0o646, 0o622])
def test_a_config_others_may_write_is_refused(place: Path, mode: int) -> None:
    path = write(place / "config.toml", mode)
    done = run_helper(place, path, b"mirror.example.com")
    assert done.returncode == 1
    assert refused(done, path), done.stderr


def test_a_private_config_is_read(place: Path) -> None:
    path = write(place / "config.toml", 0o644)
    done = run_helper(place, path, b"docker.io")
    assert believed(done), done.stderr


@pytest.mark.needs_root("only root can give a file to another user")
def test_root_refuses_a_config_that_belongs_to_another_user(place: Path) -> None:
    # The kubelet plugin runs as root: a user's file must not choose where root's token goes.
    path = write(place / "config.toml", 0o600, (OTHER_UID, OTHER_GID))
    done = run_helper(place, path, b"mirror.example.com")
    assert done.returncode == 1
    assert refused(done, path), done.stderr
    assert f"it belongs to uid {OTHER_UID}" in done.stderr.decode()


def read_as(uid: int, gid: int, path: Path) -> str:
    """config.read_bytes(path) in a forked process that has become the throw-away user
    uid:gid: "read", or the error it raised. (A fork keeps this interpreter: the user
    could not exec this virtualenv's Python, which lives under root's home.)"""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(reader)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            try:
                config.read_bytes(path)
                said = "read"
            except ConfigurationError as exc:
                said = str(exc)
            os.write(writer, said.encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as answer:
        said = answer.read().decode()
    os.waitpid(pid, 0)
    return said


@pytest.mark.needs_root("only root can become a throw-away user")
def test_an_unprivileged_user_trusts_root_and_itself_and_no_one_else(place: Path) -> None:
    roots = write(place / "root.toml", 0o644)
    assert read_as(OTHER_UID, OTHER_GID, roots) == "read"
    own = write(place / "own.toml", 0o664, (OTHER_UID, OTHER_GID))  # its own group: fine
    assert read_as(OTHER_UID, OTHER_GID, own) == "read"
    someone = write(place / "someone.toml", 0o644, (OTHER_UID + 1, OTHER_GID))
    said = read_as(OTHER_UID, OTHER_GID, someone)
    assert said.startswith(f"Refusing the ecrlogin config file {someone}: it belongs to uid")
    shared = write(place / "shared.toml", 0o664, (OTHER_UID, 0))  # root's group may write
    said = read_as(OTHER_UID, OTHER_GID, shared)
    assert said.startswith(f"Refusing the ecrlogin config file {shared}: group 0 may write it")
    world = write(place / "world.toml", 0o646, (0, 0))  # root's, but anyone may write it
    assert "anyone may write it (mode 0646)" in read_as(OTHER_UID, OTHER_GID, world)


@pytest.mark.needs_root("files of other owners need root")
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mode=st.integers(min_value=0o400, max_value=0o777).filter(lambda m: m & 0o400),
    uid=st.sampled_from([0, OTHER_UID]),
    gid=st.sampled_from([0, OTHER_GID]),
)
def test_a_config_is_believed_exactly_when_only_its_user_or_root_can_change_it(
    place: Path, mode: int, uid: int, gid: int
) -> None:
    path = write(place / "config.toml", mode, (uid, gid))
    trusted = (
        uid in (os.geteuid(), 0)
        and not mode & stat.S_IWOTH
        and not (mode & stat.S_IWGRP and gid != os.getegid())
    )
    if trusted:
        assert config.read_bytes(path) == MAPPING.encode()
    else:
        with pytest.raises(ConfigurationError, match="Refusing the ecrlogin config file"):
            config.read_bytes(path)


def setfacl(path: Path, spec: str) -> None:
    subprocess.run([require_tool("setfacl"), "-m", spec, str(path)], check=True, timeout=30)


@pytest.mark.parametrize("entry", [f"u:{OTHER_UID}:rw", f"g:{OTHER_GID}:rw"])
def test_a_config_an_acl_lets_another_user_write_is_refused(place: Path, entry: str) -> None:
    # 0600 plus one ACL entry shows as 0660 with the user's own group (the ACL mask lands
    # in the group bits): the mode alone looks like the owner's private group.
    path = write(place / "config.toml", 0o600)
    setfacl(path, entry)
    assert stat.S_IMODE(path.stat().st_mode) == 0o660
    assert path.stat().st_gid == os.getegid()
    done = run_helper(place, path, b"mirror.example.com")
    assert done.returncode == 1
    assert refused(done, path), done.stderr
    who = f"uid {OTHER_UID}" if entry.startswith("u:") else f"gid {OTHER_GID}"
    assert f"its ACL lets {who} write it" in done.stderr.decode()


@pytest.mark.parametrize("entries", [f"u:{OTHER_UID}:r", f"u:{OTHER_UID}:rw,m::r"])
def test_a_config_an_acl_lets_others_only_read_is_read(place: Path, entries: str) -> None:
    path = write(place / "config.toml", 0o600)
    setfacl(path, entries)
    done = run_helper(place, path, b"docker.io")
    assert believed(done), done.stderr


@pytest.fixture
def shared_group(request: pytest.FixtureRequest) -> Iterator[tuple[int, str]]:
    """A real group (gid, and the name of its other user) that a second, real user is in:
    a shared main group such as `users`. Made with groupadd/useradd, removed after."""
    name = f"ecrtrust{os.getpid()}"
    member = f"{name}m"
    primary = request.param == "main group"
    subprocess.run(["groupadd", name], check=True, timeout=30)
    try:
        how = ["-g", name] if primary else ["-N", "-G", name]
        subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", *how, member], check=True)
        yield grp.getgrnam(name).gr_gid, member
    finally:
        subprocess.run(["userdel", member], check=False, timeout=30)
        subprocess.run(["groupdel", name], check=False, timeout=30)


@pytest.mark.needs_root("only root can add the second user of a shared group")
@pytest.mark.parametrize("shared_group", ["main group", "listed member"], indirect=True)
def test_a_config_writable_by_a_shared_main_group_is_refused(
    place: Path, shared_group: tuple[int, str]
) -> None:
    gid, member = shared_group
    path = write(place / "config.toml", 0o664, (OTHER_UID, gid))  # group "users", umask 002
    said = read_as(OTHER_UID, gid, path)
    assert said.startswith(f"Refusing the ecrlogin config file {path}: group {gid} may write it")
    assert f"({member}) is in it" in said


def test_the_cache_and_the_config_share_one_rule() -> None:
    # The cache's shared-folder test is the config's, minus trusting root's folders.
    # /tmp itself (1777, root's), not TMPDIR: CI's unprivileged pass has a private TMPDIR.
    info = os.stat("/tmp")
    assert files.others_may_write(info) is not None
    assert IS_ROOT or files.others_may_write(info, owners=(os.geteuid(),)) is not None


@pytest.mark.parametrize(
    ("host", "public"),
    [
        ("docker.io", True),
        ("registry-1.docker.io", True),
        ("index.docker.io:443", True),
        ("ghcr.io", True),
        ("quay.io", True),
        ("us-docker.pkg.dev", True),
        ("mcr.microsoft.com", True),
        ("registry.gitlab.com", True),
        ("registry.k8s.io", True),
        ("nvcr.io", True),
        ("lscr.io", True),
        ("public.ecr.aws", False),  # ECR Public: ECR's own
        ("mirror.example.com", False),
        ("pkg.dev.example.com", False),
    ],
)
def test_public_registries_are_known(host: str, public: bool) -> None:
    assert config.is_public_registry(host) is public


def test_mapping_a_public_registry_to_ecr_is_warned_about(place: Path) -> None:
    path = place / "config.toml"
    path.write_text('[registries."ghcr.io"]\naccount = "123456789012"\nregion = "us-west-2"\n')
    path.chmod(0o600)
    done = run_helper(place, path, b"docker.io")
    assert done.stdout == NOT_FOUND_LINE
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1  # the warning; docker.io itself is simply not found
    assert lines[0].startswith(f"ecrlogin: warning: {path} maps the public registry ghcr.io")


# --- the AWS config and credentials files: their credential_process runs as this user ------

ECR_HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def without_keys(aws_env: dict[str, str]) -> dict[str, str]:
    """aws_env with no credentials in the environment: the AWS files supply them."""
    return {
        k: v for k, v in aws_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }


@pytest.mark.parametrize("variable", ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"])
def test_an_aws_file_others_may_write_is_refused_before_it_runs_anything(
    place: Path, aws_env: dict[str, str], variable: str
) -> None:
    ran = place / "ran"
    steered = place / "aws-file"
    steered.write_text(f"[default]\ncredential_process = touch {ran}\n")
    steered.chmod(0o666)
    env = {**without_keys(aws_env), variable: str(steered)}
    done = ecrlogin("get-login-password", env=env)
    assert (done.returncode, done.stdout) == (255, b"")
    line = one_error_line(done.stderr)
    assert line.startswith(f"Refusing the AWS file {steered}: anyone may write it (mode 0666)")
    assert "chmod go-w" in line
    assert variable in line
    helped = helper("get", ECR_HOST, env=env)
    assert helped.returncode == 1
    # The protocol's answer on stdout, and the same one line on stderr.
    assert helped.stdout.decode().startswith(f"Refusing the AWS file {steered}: anyone may")
    assert len(helped.stderr.splitlines()) == 1
    assert helped.stdout.strip() in helped.stderr
    assert not ran.exists()


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_an_aws_config_that_is_a_fifo_is_one_line_never_a_hang(
    place: Path, aws_env: dict[str, str], cache: bool
) -> None:
    fifo = place / "aws-config"
    os.mkfifo(fifo)
    env = {**aws_env, "AWS_CONFIG_FILE": str(fifo)}
    if not cache:
        env["ECRLOGIN_NO_CACHE"] = "1"
    helped = helper("get", ECR_HOST, env=env, timeout=30)  # a hang fails on the timeout
    assert helped.returncode == 1
    lines = helped.stderr.decode().splitlines()
    assert len(lines) == 1
    assert f"{fifo}: it is a FIFO (named pipe), not a regular file" in lines[0]
    assert helped.stdout.strip() in helped.stderr
    done = ecrlogin("get-login-password", env=env, timeout=30)
    assert (done.returncode, done.stdout) == (255, b"")
    assert "it is a FIFO (named pipe), not a regular file" in one_error_line(done.stderr)


def test_an_aws_config_on_the_null_device_is_an_empty_one(aws_env: dict[str, str]) -> None:
    done = ecrlogin("get-login-password", env={**aws_env, "AWS_CONFIG_FILE": os.devnull})
    assert done.returncode == 0, done.stderr


def test_a_cache_folder_an_acl_opens_to_another_user_is_shared(place: Path) -> None:
    # The same rule for the token cache: with an ACL entry for another user, a 0700 folder
    # shows as 0770 of the user's own group, and ecrlogin keeps to its own subfolder.
    folder = place / "cache"
    folder.mkdir(mode=0o700)
    setfacl(folder, f"u:{OTHER_UID}:rwx")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o770
    store = Store(str(folder))
    assert store.directory == str(folder / f"ecrlogin-{os.geteuid()}")

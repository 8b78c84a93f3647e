"""Trust, third review of issue 15: who may steer a token through the files it reads.

A second reviewer's attacks on the trust rules (files.trusted_owners, others_may_write):
a group's second name letting another user write the config, and
root with a user's HOME (sudo -E), which acts on that user's files as the AWS CLI does.
Real users, groups and files; the suite's moto server on loopback.
"""

from __future__ import annotations

import grp
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_config_trust import OTHER_UID, read_as, write
from tests.support.hostile import steering_file, without_keys
from tests.support.tools import ecrlogin

pytestmark = pytest.mark.linux


@pytest.fixture
def twin_group() -> Iterator[tuple[int, str]]:
    """Two group entries with one gid (`groupadd -o`): the first, named like a private
    group, lists no one; the second lists a real second user. getgrgid() answers with
    the first entry only, yet the kernel gives the second user that gid."""
    name = f"ecra15{os.getpid()}"
    twin, member = f"{name}t", f"{name}m"
    subprocess.run(["groupadd", name], check=True, timeout=30)
    try:
        gid = grp.getgrnam(name).gr_gid
        subprocess.run(["groupadd", "-o", "-g", str(gid), twin], check=True, timeout=30)
        subprocess.run(
            ["useradd", "-M", "-N", "-s", "/bin/sh", "-G", twin, member], check=True, timeout=30
        )
        yield gid, member
    finally:
        subprocess.run(["userdel", member], check=False, timeout=30)
        subprocess.run(["groupdel", twin], check=False, timeout=30)
        subprocess.run(["groupdel", name], check=False, timeout=30)


@pytest.mark.needs_root("only root can add groups and a second user")
def test_a_config_writable_by_a_group_another_user_is_in_under_a_second_name_is_refused(
    place: Path, twin_group: tuple[int, str]
) -> None:
    gid, member = twin_group
    path = write(place / "config.toml", 0o664, (OTHER_UID, gid))
    # The second user really can change it: the kernel counts the twin entry.
    subprocess.run(
        ["runuser", "-u", member, "--", "sh", "-c", f"echo '# changed' >> {path}"],
        check=True,
        timeout=30,
    )
    assert path.read_text().endswith("# changed\n")
    said = read_as(OTHER_UID, gid, path)
    assert said.startswith(f"Refusing the ecrlogin config file {path}: group {gid} may write it")


# A failing fallback store that prints the password it was handed in encodings programs
# really use: UTF-16 (a Windows console program), hex (a debug dump of its input), and
# the decimal byte list Go's fmt prints for a []byte (every docker store is written in
# Go). The store is a stand-in: no real store can be made to fail this way on demand.
@pytest.mark.needs_root("root with another user's HOME (sudo -E)")
def test_root_can_undo_the_store_login_it_made_in_a_users_home(
    aws_env: dict[str, str], place: Path
) -> None:
    """`sudo -E ecrlogin login --helper --store` gives the ecrlogin config it writes to the
    user (security.md), then `sudo -E ecrlogin logout --helper --store` refuses that very
    file ("it belongs to uid ..."): the round trip security.md promises cannot be made."""
    home = place / "home"
    env = {**aws_env, "HOME": str(home)}
    for variable in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "XDG_STATE_HOME"):
        env.pop(variable, None)
    path = home / ".docker" / "config.json"
    path.parent.mkdir(parents=True)
    before = b'{\n\t"auths": {},\n\t"credsStore": "pass"\n}'
    path.write_bytes(before)
    for users in (home, path.parent, path):
        os.chown(users, OTHER_UID, OTHER_UID)
    done = ecrlogin("login", "--helper", "--store", env=env)
    assert done.returncode == 0, done.stderr
    done = ecrlogin("logout", "--helper", "--store", env=env)
    assert done.returncode == 0, done.stderr


@pytest.mark.needs_root("root with another user's HOME (sudo -E)")
def test_root_with_a_users_home_uses_that_users_aws_files_as_the_aws_cli_does(
    aws_env: dict[str, str], moto_url: str, place: Path
) -> None:
    # `sudo -E ecrlogin get-login-password | sudo docker login ...`: root reads the user's
    # ~/.aws files, owned by that user, exactly as `sudo -E aws ecr get-login-password` does.
    home = place / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"
    )
    for path in (home, home / ".aws", home / ".aws" / "config", home / ".aws" / "credentials"):
        os.chown(path, OTHER_UID, OTHER_UID)
        path.chmod(0o700 if path.is_dir() else 0o600)
    env = {**aws_env, "HOME": str(home)}
    for variable in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ACCESS_KEY_ID"):
        env.pop(variable, None)
    env.pop("AWS_SECRET_ACCESS_KEY", None)
    done = ecrlogin("get-login-password", "--endpoint-url", moto_url, env=env)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout.endswith(b"-auth-token\n")
    # Anyone else may still not steer it: the same file made writable by all is refused.
    (home / ".aws" / "config").chmod(0o666)
    refused = ecrlogin("get-login-password", "--endpoint-url", moto_url, env=env)
    assert (refused.returncode, refused.stdout) == (255, b"")
    assert b"anyone may write it" in refused.stderr


def test_aws_config_named_through_a_variable_is_checked_before_its_credential_process_runs(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """botocore expands `$VAR` in AWS_CONFIG_FILE (configloader.raw_config_parse); the trust
    check must look at the file botocore reads, not at the literal `$VAR/config`."""
    marker = tmp_path / "credential_process-ran"
    open_folder = tmp_path / "open"
    steering_file(
        open_folder, "config", f"[default]\ncredential_process = /usr/bin/touch {marker}\n"
    )
    env = {
        **without_keys(aws_env),
        "OPEN_FOLDER": str(open_folder),
        "AWS_CONFIG_FILE": "$OPEN_FOLDER/config",
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "ECRLOGIN_NO_CACHE": "1",
    }
    result = ecrlogin("get-login-password", env=env)
    assert not marker.exists(), "a credential_process from a file anyone may write ran"
    assert result.returncode == 255
    assert b"Refusing the AWS file" in result.stderr


@pytest.mark.parametrize(
    ("variable", "name", "text"),
    [
        (
            "BOTO_CONFIG",
            "boto",
            "[Credentials]\naws_access_key_id = AKIAOTHERUSER0000001\n"
            "aws_secret_access_key = chosen-by-another-user\n",
        ),
        (
            "AWS_CREDENTIAL_FILE",
            "ec2-credentials",
            "AWSAccessKeyId=AKIAOTHERUSER0000001\nAWSSecretKey=chosen-by-another-user\n",
        ),
    ],
    ids=["BOTO_CONFIG", "AWS_CREDENTIAL_FILE"],
)
def test_every_credentials_file_botocore_reads_passes_the_trust_check(
    aws_env: dict[str, str], tmp_path: Path, variable: str, name: str, text: str
) -> None:
    """botocore's chain also reads the boto config (BOTO_CONFIG, ~/.boto, /etc/boto.cfg) and
    the EC2 tools' AWS_CREDENTIAL_FILE: a file anyone may write chooses whose token is used."""
    path = steering_file(tmp_path / "open", name, text)
    env = {
        **without_keys(aws_env),
        variable: str(path),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "ECRLOGIN_NO_CACHE": "1",
    }
    result = ecrlogin("--debug", "get-login-password", env=env)
    assert b"Credential=AKIAOTHERUSER0000001/" not in result.stderr, (
        "a request was signed with keys from a file anyone may write"
    )
    assert result.returncode == 255


SWAPPER = """
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
a, b = (os.fsencode(name) for name in sys.argv[1:3])
end = time.monotonic() + float(sys.argv[3])
while time.monotonic() < end:
    libc.renameat2(-100, a, -100, b, 2)  # RENAME_EXCHANGE: swap the two names atomically
"""


def test_an_aws_config_in_a_folder_others_may_write_cannot_be_swapped_after_the_check(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """The AWS files are checked by path, then botocore opens the path again: in a folder
    anyone may write, another user swaps in a file of theirs between the two (here a
    loop of atomic renames), and its credential_process runs."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    mine = folder / "config"
    mine.write_text("[default]\nregion = us-east-1\n")
    mine.chmod(0o600)
    marker = tmp_path / "credential_process-ran"
    steering_file(folder, "theirs", f"[default]\ncredential_process = /usr/bin/touch {marker}\n")
    env = {
        **without_keys(aws_env),
        "AWS_CONFIG_FILE": str(mine),
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "ECRLOGIN_NO_CACHE": "1",
    }
    swapper = subprocess.Popen(
        [sys.executable, "-c", SWAPPER, str(mine), str(folder / "theirs"), "60"]
    )
    try:
        for _ in range(30):
            result = ecrlogin("get-login-password", env=env)
            if marker.exists():
                break
            # Refused before botocore reads it, whichever file the name holds just then.
            assert result.returncode == 255
            assert b"Refusing the AWS file" in result.stderr
    finally:
        swapper.kill()
        swapper.wait()
    assert not marker.exists(), "a credential_process from a file anyone may write ran"


def test_aws_credential_file_is_checked_where_botocore_reads_it(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """botocore expands only `~` in AWS_CREDENTIAL_FILE (credentials.OriginalEC2Provider),
    not `$VARIABLES` as in the AWS config files: ecrlogin checks the expanded path while
    botocore reads the literal one, relative to the current folder (a checkout)."""
    safe = tmp_path / "safe"
    safe.mkdir()
    (safe / "creds").write_text("AWSAccessKeyId=AKIASAFE000000000001\nAWSSecretKey=a\n")
    (safe / "creds").chmod(0o600)
    checkout = tmp_path / "checkout"
    steering_file(
        checkout / "$A15SAFE",
        "creds",
        "AWSAccessKeyId=AKIAOTHERUSER0000001\nAWSSecretKey=chosen-by-another-user\n",
    )
    env = {
        **without_keys(aws_env),
        "A15SAFE": str(safe),
        "AWS_CREDENTIAL_FILE": "$A15SAFE/creds",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "ECRLOGIN_NO_CACHE": "1",
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ecrlogin"), "--debug", "get-login-password"],
        cwd=checkout,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert b"Credential=AKIAOTHERUSER0000001/" not in done.stderr, (
        "a request was signed with keys from a file anyone may write"
    )

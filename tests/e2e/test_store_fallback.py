"""The helper as `credsStore`: ECR hosts served by ecrlogin, every other host by a fallback store.

The fallback that keeps credentials is the real one, Debian's
docker-credential-pass over a `pass` store with a throw-away GnuPG key. Only
the faults a real store cannot be made to show on demand (failing with a
secret on its stderr, hanging) use a small stand-in store, said where.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecrlogin import config
from ecrlogin.errors import ConfigurationError
from tests.support.helper import HELPER, helper, pass_list, write_config
from tests.support.tools import ecrlogin, require_tool

ECR = "123456789012.dkr.ecr.us-west-2.amazonaws.com"
OTHER = "registry.example.com"
SECRET = "hub-password-7f3a9c"
PAYLOAD = json.dumps({"ServerURL": OTHER, "Username": "me", "Secret": SECRET})


def with_path(env: dict[str, str], directory: Path) -> dict[str, str]:
    """`env` with `directory` first on PATH."""
    return {**env, "PATH": f"{directory}:{env['PATH']}"}


def test_a_non_ecr_host_goes_to_pass_and_back(pass_env: dict[str, str]) -> None:
    env = {**pass_env, "ECRLOGIN_FALLBACK_STORE": "pass"}
    stored = helper("store", PAYLOAD, env=env)
    assert (stored.returncode, stored.stdout, stored.stderr) == (0, b"", b"")
    assert pass_list(env) == {OTHER: "me"}

    got = helper("get", OTHER, env=env)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == {"ServerURL": OTHER, "Username": "me", "Secret": SECRET}

    listed = helper("list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {OTHER: "me"}

    erased = helper("erase", OTHER, env=env)
    assert (erased.returncode, erased.stdout, erased.stderr) == (0, b"", b"")
    assert pass_list(env) == {}


def test_the_fallback_can_be_set_in_the_config_file(pass_env: dict[str, str]) -> None:
    write_config(pass_env, '[store]\nfallback = "pass"\n')
    stored = helper("store", PAYLOAD, env=pass_env)
    assert stored.returncode == 0, stored.stderr
    assert pass_list(pass_env) == {OTHER: "me"}
    # A second call reads the memoized config: the fallback survives the memo.
    assert helper("erase", OTHER, env=pass_env).returncode == 0
    assert pass_list(pass_env) == {}


def test_an_ecr_host_is_never_handed_to_the_fallback(pass_env: dict[str, str]) -> None:
    env = {**pass_env, "ECRLOGIN_FALLBACK_STORE": "pass"}
    payload = json.dumps({"ServerURL": ECR, "Username": "AWS", "Secret": SECRET})
    stored = helper("store", payload, env=env)
    assert (stored.returncode, stored.stdout, stored.stderr) == (0, b"", b"")
    assert pass_list(env) == {}  # ecrlogin fetches its own tokens: nothing kept


def test_without_a_fallback_store_for_another_host_fails_and_says_so(
    aws_env: dict[str, str],
) -> None:
    done = helper("store", PAYLOAD, env=aws_env)
    assert done.returncode == 1
    line = (
        f"The credentials for {OTHER} were not saved: docker-credential-ecrlogin keeps none for "
        'registries that are not Amazon ECR. Set a fallback store for them, [store] fallback = "'
        f'pass" in {aws_env["XDG_CONFIG_HOME"]}/ecrlogin/config.toml or '
        "ECRLOGIN_FALLBACK_STORE=pass (any docker-credential-NAME on PATH), or name ecrlogin "
        "in credHelpers for the ECR registries only."
    )
    assert done.stdout.decode() == line + "\n"
    assert done.stderr.decode() == f"ecrlogin: error: {line}\n"
    # An ECR host's store still succeeds, keeping nothing.
    payload = json.dumps({"ServerURL": ECR, "Username": "AWS", "Secret": SECRET})
    assert helper("store", payload, env=aws_env).returncode == 0


def test_a_fallback_that_is_not_installed_is_named(aws_env: dict[str, str]) -> None:
    env = {**aws_env, "ECRLOGIN_FALLBACK_STORE": "nosuchstore"}
    for action, stdin in (("store", PAYLOAD), ("get", OTHER), ("erase", OTHER), ("list", "")):
        done = helper(action, stdin, env=env)
        assert done.returncode == 1, action
        assert done.stderr.decode() == (
            "ecrlogin: error: The fallback credential store docker-credential-nosuchstore (set "
            f"by ECRLOGIN_FALLBACK_STORE) is not on PATH, so {action} cannot reach it; install "
            "it, or change ECRLOGIN_FALLBACK_STORE.\n"
        )


STAND_IN = """#!{python}
# A stand-in store: a real one cannot be made to fail with the secret on its stderr, or hang.
import sys, time
data = sys.stdin.read()
if {mode!r} == "hang":
    time.sleep(60)
sys.stdout.write("store refused\\n")
sys.stderr.write("\\x1b[31mboom: could not keep " + data + "\\n")
sys.exit(3)
"""


def stand_in(directory: Path, mode: str) -> Path:
    directory.mkdir(exist_ok=True)
    script = directory / "docker-credential-standin"
    script.write_text(STAND_IN.format(python=sys.executable, mode=mode))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return directory


def test_a_failing_fallback_passes_its_answer_on_with_its_stderr_redacted(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **with_path(aws_env, stand_in(tmp_path / "bin", "fail")),
        "ECRLOGIN_FALLBACK_STORE": "standin",
    }
    done = helper("store", PAYLOAD, env=env)
    assert done.returncode == 3  # its exit code, unchanged
    assert done.stdout == b"store refused\n"  # its stdout, unchanged
    stderr = done.stderr.decode()
    assert SECRET.encode() not in done.stderr
    assert "\x1b" not in stderr
    assert stderr.startswith(
        "ecrlogin: error: The fallback credential store docker-credential-standin failed store "
        "(exit 3): \\x1b[31mboom: could not keep {"
    )
    assert '"Secret": "<redacted>"' in stderr
    assert stderr.count("\n") == 1


def test_a_hanging_fallback_is_bounded_by_the_helpers_timeout(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **with_path(aws_env, stand_in(tmp_path / "bin", "hang")),
        "ECRLOGIN_FALLBACK_STORE": "standin",
        "ECRLOGIN_CLI_READ_TIMEOUT": "1",
    }
    started = time.monotonic()
    done = helper("store", PAYLOAD, env=env, timeout=50)
    assert time.monotonic() - started < 45  # not the stand-in's 60 s
    assert done.returncode == 1
    assert done.stderr.decode() == (
        "ecrlogin: error: The fallback credential store docker-credential-standin did not "
        "answer store within 1 s (ECRLOGIN_CLI_READ_TIMEOUT); check that store, e.g. a locked "
        "keyring or a passphrase prompt.\n"
    )


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../bin/evil", "it contains a path separator"),
        ("--help", "it looks like a command-line option"),
        ("ecrlogin", "that is ecrlogin itself, which would ask itself forever"),
        ("pa ss", "only letters, digits, '.', '_' and '-' are allowed"),
    ],
)
def test_a_fallback_name_that_is_not_a_store_is_refused_at_load(
    name: str, problem: str, aws_env: dict[str, str]
) -> None:
    path = write_config(
        aws_env, f'[registries."{ECR}"]\nprofile = "p"\n\n[store]\nfallback = "{name}"\n'
    )
    with pytest.raises(ConfigurationError) as raised:
        config.parse(path.read_bytes(), str(path))
    assert raised.value.exit_code == 253
    line = (
        f"{path}, line 5: store.fallback = {name!r} is not a credential store name: {problem}. "
        'Name the store as in docker-credential-NAME on PATH, e.g. fallback = "pass" '
        '(or "secretservice", "osxkeychain", "wincred", "desktop").'
    )
    assert raised.value.message == line
    # The CLI exits 253 with that line; the helper fails with it (and never runs the name).
    result = ecrlogin("login", "--helper", ECR, env=aws_env)
    assert (result.returncode, result.stderr.decode()) == (253, f"ecrlogin: error: {line}\n")
    done = helper("get", OTHER, env=aws_env)
    assert (done.returncode, done.stderr.decode()) == (1, f"ecrlogin: error: {line}\n")


def test_a_bad_fallback_variable_is_refused(aws_env: dict[str, str]) -> None:
    done = helper("get", OTHER, env={**aws_env, "ECRLOGIN_FALLBACK_STORE": "/usr/bin/pass"})
    assert done.returncode == 1
    assert done.stderr.decode() == (
        "ecrlogin: error: ECRLOGIN_FALLBACK_STORE='/usr/bin/pass' is not a credential store "
        "name: it contains a path separator. Set it to the NAME of docker-credential-NAME on "
        "PATH, e.g. ECRLOGIN_FALLBACK_STORE=pass, or unset it.\n"
    )


def test_login_helper_store_keeps_the_old_store_as_the_fallback(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "docker" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"credsStore": "pass", "psFormat": "table"}))
    ecrlogin_config = write_config(aws_env, f'[registries."{ECR}"]\nprofile = "prod"\n')
    env = {**aws_env, "DOCKER_CONFIG": str(path.parent)}
    result = ecrlogin("login", "--helper", "--store", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert result.stderr.decode().splitlines()[0] == (
        f"ecrlogin: ok: credsStore 'ecrlogin' set in {path}: ECR registries get tokens, every "
        "other registry goes to its fallback store docker-credential-pass"
    )
    assert json.loads(path.read_text()) == {"credsStore": "ecrlogin", "psFormat": "table"}
    assert ecrlogin_config.read_text() == (
        f'[registries."{ECR}"]\nprofile = "prod"\n\n[store]\nfallback = "pass"\n'
    )
    # Again: nothing changes.
    again = ecrlogin("login", "--helper", "--store", env=env)
    assert again.returncode == 0, again.stderr
    assert "already set" in again.stderr.decode()
    assert ecrlogin_config.read_text().count("[store]") == 1

    result = ecrlogin("logout", "--helper", "--store", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == f"ecrlogin: ok: credsStore in {path} is 'pass' again\n"
    assert json.loads(path.read_text()) == {"credsStore": "pass", "psFormat": "table"}


def test_login_helper_store_without_an_old_store_warns(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "docker" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"auths": {OTHER: {"auth": "bWU6cHc="}}}))
    env = {**aws_env, "DOCKER_CONFIG": str(path.parent)}
    result = ecrlogin("login", "--helper", "--store", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode().splitlines()[:3] == [
        f"ecrlogin: ok: credsStore 'ecrlogin' set in {path}: ECR registries get tokens, there "
        "is no fallback store for other registries",
        "ecrlogin: warning: docker login to a registry that is not ECR now fails (nothing is "
        'lost) until you set a fallback store: [store] fallback = "pass" in '
        f"{aws_env['XDG_CONFIG_HOME']}/ecrlogin/config.toml, or ECRLOGIN_FALLBACK_STORE=pass "
        "(any docker-credential-NAME on PATH).",
        f"ecrlogin: warning: {path}: docker ignores the passwords in auths once credsStore is "
        f"set ({OTHER}); log in to those registries again to keep them in the store.",
    ]
    result = ecrlogin("logout", "--helper", "--store", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == f"ecrlogin: ok: credsStore 'ecrlogin' removed from {path}\n"
    assert json.loads(path.read_text()) == {"auths": {OTHER: {"auth": "bWU6cHc="}}}


def test_login_store_refuses_targets_and_a_bad_old_store(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    result = ecrlogin("login", "--helper", "--store", ECR, env=aws_env)
    assert result.returncode == 252
    assert result.stderr.decode() == (
        "ecrlogin: error: --store sets credsStore for every registry, so it takes no TARGET. "
        "Drop the targets, or use --helper without --store for credHelpers entries.\n"
    )
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"credsStore": "../../tmp/evil"}))
    result = ecrlogin("login", "--helper", "--store", "--config-file", str(path), env=aws_env)
    assert result.returncode == 253
    assert result.stderr.decode() == (
        f"ecrlogin: error: {path}: credsStore '../../tmp/evil' cannot be kept as the fallback "
        "store: it contains a path separator. Fix credsStore there, or remove it, then run "
        "this again.\n"
    )
    assert json.loads(path.read_text()) == {"credsStore": "../../tmp/evil"}
    assert not (Path(aws_env["XDG_CONFIG_HOME"]) / "ecrlogin" / "config.toml").exists()


def test_erase_with_a_broken_config_fails_for_a_host_the_fallback_may_hold(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    # `docker logout` must not hear "erased" while the fallback store still holds them.
    write_config(aws_env, "[registries.x\n")
    env = {
        **with_path(aws_env, stand_in(tmp_path / "bin", "fail")),
        "ECRLOGIN_FALLBACK_STORE": "standin",
    }
    done = helper("erase", OTHER, env=env)
    assert done.returncode == 1
    assert done.stderr.decode().count("\n") == 1
    assert "config.toml" in done.stderr.decode()
    assert b"Unexpected" not in done.stderr


def test_a_fallback_that_leads_back_to_ecrlogin_is_refused(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    # A "store" that is ecrlogin again would delegate to itself without end.
    directory = tmp_path / "bin"
    directory.mkdir()
    loop = directory / "docker-credential-loop"
    helper_path = Path(sys.executable).parent / "docker-credential-ecrlogin"
    loop.write_text(f'#!/bin/sh\nexec "{helper_path}" "$@"\n')
    loop.chmod(0o755)
    env = {**with_path(aws_env, directory), "ECRLOGIN_FALLBACK_STORE": "loop"}
    done = helper("get", OTHER, env=env, timeout=60)
    assert done.returncode == 1
    assert done.stderr.decode().endswith(
        "ecrlogin: error: The fallback credential store docker-credential-loop (set by "
        "ECRLOGIN_FALLBACK_STORE) runs docker-credential-ecrlogin again; name a store that "
        "keeps credentials itself.\n"
    )


def test_a_store_payload_nested_too_deeply_is_one_line(aws_env: dict[str, str]) -> None:
    done = helper("store", "[" * 30000, env=aws_env)
    assert done.returncode == 1
    assert done.stderr.decode().count("\n") == 1
    assert b"Unexpected" not in done.stderr + done.stdout


def test_list_never_shows_the_fallbacks_entry_for_a_host_ecrlogin_serves(
    pass_env: dict[str, str],
) -> None:
    # An ECR login kept in `pass` from before ecrlogin was the credsStore: `get` for that
    # host is answered by ecrlogin (a fresh token), never by `pass`, so listing pass's
    # user name for it would name credentials the client can no longer get.
    env = {**pass_env, "ECRLOGIN_FALLBACK_STORE": "pass"}
    old = json.dumps({"ServerURL": ECR, "Username": "old-user", "Secret": "old-ecr-password"})
    kept = subprocess.run(
        [require_tool("docker-credential-pass"), "store"],
        input=old.encode(),
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert kept.returncode == 0, kept.stderr
    assert helper("store", PAYLOAD, env=env).returncode == 0
    assert pass_list(env) == {ECR: "old-user", OTHER: "me"}

    listed = helper("list", env=env)
    assert (listed.returncode, listed.stderr) == (0, b"")
    assert json.loads(listed.stdout) == {OTHER: "me"}
    got = helper("get", ECR, env=env)  # moto's token: ecrlogin's answer, not pass's
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["Username"] == "AWS"
    assert b"old-ecr-password" not in got.stdout


# Stand-ins for the resource faults of a real store (`pass` -> `gpg` -> `pinentry`): a store
# cannot be made to leave a child behind or flood its stdout on demand.
SPAWNING = """#!/bin/sh
# A store whose child (think gpg waiting on pinentry) outlives it unless its group is killed.
sleep 300 &
echo $! > "{pidfile}"
sleep 300
"""

FLOODING = """#!{python}
# A store whose answer is 200 MB.
import sys
chunk = b"x" * (1 << 20)
for _ in range(200):
    sys.stdout.buffer.write(chunk)
"""


def _script(directory: Path, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    script = directory / "docker-credential-standin"
    script.write_text(text)
    script.chmod(0o755)
    return directory


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


def test_a_store_killed_on_timeout_takes_its_children_with_it(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    pidfile = tmp_path / "child.pid"
    env = {
        **with_path(aws_env, _script(tmp_path / "bin", SPAWNING.format(pidfile=pidfile))),
        "ECRLOGIN_FALLBACK_STORE": "standin",
        "ECRLOGIN_CLI_READ_TIMEOUT": "1",
    }
    started = time.monotonic()
    done = helper("get", OTHER, env=env, timeout=50)
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    assert b"did not answer get within 1 s" in done.stderr
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the store's child outlived the timeout"


def test_a_store_that_prints_200_mb_is_cut_and_memory_stays_bounded(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **with_path(aws_env, _script(tmp_path / "bin", FLOODING.format(python=sys.executable))),
        "ECRLOGIN_FALLBACK_STORE": "standin",
    }
    done = subprocess.run(
        ["/usr/bin/time", "-f", "maxrss_kb=%M", HELPER, "list"],
        input=b"",
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    stderr = done.stderr.decode()
    peak_kb = int(stderr.rpartition("maxrss_kb=")[2].strip())
    # Python and the helper take ~30 MB; the whole answer would take 200-400 MB more.
    assert peak_kb < 100 * 1024, peak_kb
    assert done.returncode == 1  # a cut answer is not a JSON object: list refuses it
    assert (
        "ecrlogin: warning: The fallback credential store docker-credential-standin printed "
        "more than 1024 KiB on stdout for list; ecrlogin kept only the first part." in stderr
    )
    assert len(done.stdout) <= 1 << 20

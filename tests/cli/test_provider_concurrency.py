"""Many kubelet plugin processes at once make one call per identity, and never serve one
role's token to another.

ECR is tests/faultserver.py (a token valid until 2100: moto's expired in 2015 and are
never cached, so moto cannot show single flight); STS is moto. The counting is the
helper's (test_helper_concurrency): a slow endpoint, and every process released at once.
"""

from __future__ import annotations

import json

from tests.support import faultserver as fs
from tests.support.env import ACCESS_KEY_ID
from tests.support.faultserver import FAULT_PASSWORD, FaultServer, Request
from tests.support.helper import cache_files, release_together
from tests.support.provider import (
    HOST,
    IMAGE,
    PROVIDER,
    ROLE_A,
    ROLE_ANNOTATION,
    ROLE_B,
    check_response,
    encode,
    request,
    sa_token,
)

PROCESSES = 50


def test_fifty_processes_on_a_cold_cache_make_one_call(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    endpoint = fault_server.scenario(fs.slow(fs.token(), 1.0))
    env = {**aws_env, "AWS_ENDPOINT_URL_ECR": endpoint.url}
    sent = request(IMAGE)
    results = release_together([PROVIDER], encode(sent), env, PROCESSES)
    assert endpoint.calls == 1
    assert [code for code, _, _ in results] == [0] * PROCESSES
    assert {err for _, _, err in results} == {b""}
    for _, out, _ in results:
        assert check_response(out, sent)["auth"] == {
            HOST: {"username": "AWS", "password": FAULT_PASSWORD}
        }
    assert len(cache_files(env)) == 1


def password_of_signer(request: Request) -> fs.Answer:
    """A token whose password names the access key that signed the call."""
    return fs.token(password=f"password-for-{request.scope[0]}")(request)


def test_two_roles_make_two_calls_and_never_share_a_token(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    endpoint = fault_server.scenario(fs.slow(password_of_signer, 1.0))
    env = {**aws_env, "AWS_ENDPOINT_URL_ECR": endpoint.url}  # STS: moto
    sent = {
        ROLE_A: request(IMAGE, token=sa_token("a"), annotations={ROLE_ANNOTATION: ROLE_A}),
        ROLE_B: request(IMAGE, token=sa_token("b"), annotations={ROLE_ANNOTATION: ROLE_B}),
    }
    roles = [ROLE_A, ROLE_B] * (PROCESSES // 2)
    results = release_together([PROVIDER], [encode(sent[role]) for role in roles], env, PROCESSES)
    assert endpoint.calls == 2
    assert [code for code, _, _ in results] == [0] * PROCESSES
    assert {err for _, _, err in results} == {b""}
    passwords: dict[str, set[str]] = {ROLE_A: set(), ROLE_B: set()}
    for role, (_, out, _) in zip(roles, results, strict=True):
        passwords[role].add(check_response(out, sent[role])["auth"][HOST]["password"])
    # Each role's processes all got the one token fetched as that role (moto hands each
    # AssumeRoleWithWebIdentity its own temporary key), and the two roles' tokens differ.
    signers = {request.scope[0] for request in endpoint.requests}
    assert len(signers) == 2
    assert ACCESS_KEY_ID not in signers
    assert {frozenset(found) for found in passwords.values()} == {
        frozenset({f"password-for-{signer}"}) for signer in signers
    }
    assert len(cache_files(env)) == 2
    # Later, one workload of each role: still its own token, from the cache.
    for role in (ROLE_A, ROLE_B):
        (_, out, _), *_ = release_together([PROVIDER], encode(sent[role]), env, 1)
        assert {json.loads(out)["auth"][HOST]["password"]} == passwords[role]
    assert endpoint.calls == 2

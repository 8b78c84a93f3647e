"""Renderers: turn tokens and responses into the exact text a command prints on stdout."""

from __future__ import annotations

import binascii
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from ecrlogin import basicauth
from ecrlogin.errors import ParameterError
from ecrlogin.token import AuthToken


def password(tokens: Sequence[AuthToken]) -> str:
    """`get-login-password`: the first token's password and a newline."""
    return tokens[0].password + "\n"


def docker_login_command(token: AuthToken, *, include_email: bool) -> str:
    """The `docker login` command line that AWS CLI v1's `get-login` prints for a token."""
    words = ["docker", "login", "-u", token.username, "-p", token.password]
    if include_email:
        words += ["-e", "none"]
    words.append(token.proxy_endpoint)
    return " ".join(words)


def get_login_text(tokens: Sequence[AuthToken], *, include_email: bool) -> str:
    """`get-login --output text`: one `docker login` line per registry."""
    return "".join(
        docker_login_command(token, include_email=include_email) + "\n" for token in tokens
    )


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC, e.g. 2015-01-01T00:00:00+00:00."""
    return moment.astimezone(timezone.utc).isoformat()


def get_login_json(tokens: Sequence[AuthToken], *, include_email: bool) -> str:
    """`get-login --output json`: the objects PowerShell's Get-ECRLoginCommand returns."""
    items = [
        {
            "Username": token.username,
            "Password": token.password,
            "ProxyEndpoint": token.proxy_endpoint,
            "Endpoint": token.host,
            "ExpiresAt": iso_utc(token.expires_at),
            "Command": docker_login_command(token, include_email=include_email),
        }
        for token in tokens
    ]
    return json.dumps(items, indent=4, ensure_ascii=False) + "\n"


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def api_response(response: Any, *, output: str, query: str | None) -> str:
    """Render an API response as `aws --output json|text [--query ...]` does."""
    data = response
    if query is not None:
        import jmespath
        from jmespath.exceptions import JMESPathError

        try:
            data = jmespath.search(query, data)
        except JMESPathError as exc:
            raise ParameterError(
                f"Bad value for --query {query}: {' '.join(str(exc).split())}",
                "Check the JMESPath expression (see https://jmespath.org).",
            ) from None
    if output == "json":
        if data == {}:
            return ""
        return json.dumps(data, indent=4, ensure_ascii=False, default=_json_default) + "\n"
    lines: list[str] = []
    _text(data, lines, identifier=None, scalar_keys=None)
    return "".join(line + "\n" for line in lines)


# The AWS CLI's text format: a dict's scalar values on one tab-separated line,
# led by the upper-cased key it came from; nested lists and dicts follow.


def _is_scalar(value: object) -> bool:
    return not isinstance(value, (dict, list))


def _text(
    item: Any, lines: list[str], identifier: str | None, scalar_keys: list[str] | None
) -> None:
    if isinstance(item, dict):
        _text_dict(item, lines, identifier, scalar_keys)
    elif isinstance(item, list):
        _text_list(item, lines, identifier)
    else:
        lines.append(str(item))


def _text_list(items: list[Any], lines: list[str], identifier: str | None) -> None:
    if not items:
        return
    if any(isinstance(item, dict) for item in items):
        keys = sorted(
            {
                k
                for item in items
                if isinstance(item, dict)
                for k, v in item.items()
                if _is_scalar(v)
            }
        )
        for item in items:
            _text(item, lines, identifier, keys)
        return
    scalars = [item for item in items if _is_scalar(item)]
    nested = [item for item in items if not _is_scalar(item)]
    if scalars:
        if identifier is None:
            lines.append("\t".join(str(item) for item in scalars))
        else:
            lines.extend(f"{identifier.upper()}\t{item}" for item in scalars)
    for item in nested:
        _text(item, lines, identifier, None)


def _text_dict(
    item: dict[str, Any], lines: list[str], identifier: str | None, scalar_keys: list[str] | None
) -> None:
    if scalar_keys is None:
        scalars = [str(v) for _, v in sorted(item.items()) if _is_scalar(v)]
        nested = [(k, v) for k, v in sorted(item.items()) if not _is_scalar(v)]
    else:
        scalars = [str(item.get(key, "")) for key in scalar_keys]
        nested = [(k, item[k]) for k in sorted(set(item) - set(scalar_keys))]
    if scalars:
        if identifier is not None:
            scalars.insert(0, identifier.upper())
        lines.append("\t".join(scalars))
    for key, value in nested:
        _text(value, lines, key, None)


def github_masks(secrets: Sequence[str]) -> str:
    """GitHub Actions `::add-mask::` lines, so the runner hides each secret in every log."""
    return "".join(f"::add-mask::{secret}\n" for secret in secrets)


def login_json(results: Sequence[dict[str, Any]]) -> str:
    """`login --output json`: a list of {registry, region, method, expiresAt}."""
    items = [
        {
            "registry": item["registry"],
            "region": item["region"],
            "method": item["method"],
            "expiresAt": iso_utc(item["expiresAt"]) if item["expiresAt"] else None,
        }
        for item in results
    ]
    return json.dumps(items, indent=4, ensure_ascii=False) + "\n"


# Go's encoding/json (what kubectl writes) escapes these inside strings, so HTML
# cannot be smuggled through JSON; the same escapes give kubectl's exact bytes.
_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def go_json(value: Any) -> str:
    """Compact JSON as Go's json.Marshal writes it (keys in the order given)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    # Only strings can hold these characters, so replacing them everywhere is safe.
    for char, escape in _GO_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def docker_config_json(credentials: Mapping[str, tuple[str, str]]) -> str:
    """The `.dockerconfigjson` of a pull secret, as `kubectl create secret docker-registry`
    writes it: hosts sorted (Go sorts map keys), then username, password, auth."""
    auths = {
        host: {
            "username": username,
            "password": password,
            "auth": basicauth.encode(username, password),
        }
        for host, (username, password) in sorted(credentials.items())
    }
    return go_json({"auths": auths})


def pull_secret(
    name: str, namespaces: Sequence[str], credentials: Mapping[str, tuple[str, str]]
) -> str:
    """`pull-secret`: a `kubernetes.io/dockerconfigjson` Secret, or a v1 List of one per namespace.

    Laid out as `kubectl create secret docker-registry --dry-run=client -o json` prints
    it, less its meaningless `creationTimestamp: null`; no namespace means kubectl's
    current one, as with `kubectl create secret`.
    """
    data = binascii.b2a_base64(docker_config_json(credentials).encode(), newline=False).decode()

    def secret(namespace: str | None) -> dict[str, Any]:
        metadata = {"name": name} if namespace is None else {"name": name, "namespace": namespace}
        return {
            "kind": "Secret",
            "apiVersion": "v1",
            "metadata": metadata,
            "data": {".dockerconfigjson": data},
            "type": "kubernetes.io/dockerconfigjson",
        }

    if len(namespaces) <= 1:
        document = secret(namespaces[0] if namespaces else None)
    else:
        document = {"apiVersion": "v1", "kind": "List", "items": [secret(ns) for ns in namespaces]}
    return json.dumps(document, indent=4) + "\n"

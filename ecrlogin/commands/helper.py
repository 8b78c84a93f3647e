"""`ecrlogin credential-helper ACTION`: the docker-credential-ecrlogin protocol under ecrlogin."""

from typing import Annotated

import typer

from ecrlogin import helper


def credential_helper(
    action: Annotated[
        str,
        typer.Argument(
            help="get, list, store, erase or version; get/store/erase read stdin.",
            show_default=False,
        ),
    ],
) -> None:
    """Speak the docker credential-helper protocol, as `docker-credential-ecrlogin ACTION` does."""
    # The protocol has its own error edge (helper.run): its failures are protocol replies.
    raise typer.Exit(helper.run([action]))

"""`llmlab serve`: start the lab, the local web app with the demos and the planner."""

from pydantic import Field

from llmlab.cli.command import Command
from llmlab.schema import Input


class ServeInput(Input):
    host: str = Field("127.0.0.1", min_length=1, max_length=253,
                      description="address or name to listen on; anything but loopback opens the lab, which has "
                                  "no login, to the network")
    port: int = Field(8000, ge=1, le=65535, description="TCP port to listen on")


def run(request: ServeInput) -> dict:
    from llmlab.web.server import serve

    serve(request.host, request.port)
    return {}


COMMAND = Command("serve", "Start the lab: the local web app with the demos and the planner.", ServeInput, run,
                  render=lambda result: "")

"""A simulated, unreliable network between workstations and the hub, for the sync property tests.

``SimulatedNetwork`` wraps one workstation's ``LocalTransport`` and implements the same
``HubApi``. Before each call it asks its ``choose`` callable for a :class:`Fault` (the state
machine draws these from Hypothesis data, so failing runs shrink towards plain delivery):

- ``DELIVER``: the call reaches the hub and the reply comes back.
- ``DROP``: the request is lost; the hub never sees it; the client gets ``HubUnreachable``.
- ``LOSE_REPLY``: the hub handles the request, the reply is lost (``HubUnreachable``).
- ``DUPLICATE``: the request reaches the hub twice; the client gets the second reply.
- ``DELAY``: a push is stuck in the network: a copy is held in the shared :class:`InFlight`
  mailbox and the client times out (``HubUnreachable``); the copy reaches the hub later.
- ``HOLD_COPY``: a push is delivered normally and a stray copy of it is held to arrive later.

Held copies reach the hub when the test calls :meth:`InFlight.deliver` (in any order: that is
the reordering); their replies go nowhere, as a reply to a request the client gave up on would.
``DELAY`` and ``HOLD_COPY`` only apply to pushes: other calls have no lasting effect at the hub,
so for them they act as ``DROP`` and ``DELIVER``.
"""

from __future__ import annotations

import copy
import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emr_desktop.sync.protocol import HubError, HubUnreachable, Json
from emr_desktop.sync.transport import LocalTransport


class Fault(enum.Enum):
    DELIVER = "deliver"
    DROP = "drop"
    LOSE_REPLY = "lose-reply"
    DUPLICATE = "duplicate"
    DELAY = "delay"
    HOLD_COPY = "hold-copy"


#: Faults that leave the client without a reply.
NO_REPLY = frozenset({Fault.DROP, Fault.LOSE_REPLY, Fault.DELAY})

Chooser = Callable[[str, str], Fault]   # (workstation name, method) -> fault


def reliable(_name: str, _method: str) -> Fault:
    return Fault.DELIVER


@dataclass
class HeldMessage:
    """A push body on its way to the hub, sent by ``sender`` with its transport."""

    sender: str
    transport: LocalTransport
    body: Json
    op_ids: tuple[str, ...]


@dataclass
class InFlight:
    """Push copies held in the network, shared by every workstation's link to one hub."""

    held: list[HeldMessage] = field(default_factory=list)
    delivered: int = 0

    def hold(self, sender: str, transport: LocalTransport, body: Json) -> None:
        body = json.loads(json.dumps(body))   # what went on the wire, frozen now
        self.held.append(HeldMessage(sender, transport, body,
                                     tuple(str(op["op_id"]) for op in body.get("ops", []))))

    def deliver(self, index: int) -> Json | None:
        """Deliver held message ``index`` (taken out of the queue) straight to the hub; the reply
        is dropped. Returns it, or None when the hub refused the message with a protocol error."""
        message = self.held.pop(index)
        self.delivered += 1
        try:
            return message.transport.push(copy.deepcopy(message.body))
        except HubError:
            return None

    def deliver_all(self, order: list[int] | None = None) -> None:
        """Deliver everything still held; ``order`` picks indexes into what remains each time."""
        for pick in order or []:
            if not self.held:
                return
            self.deliver(pick % len(self.held))
        while self.held:
            self.deliver(len(self.held) - 1)   # newest first: the most reordered


class SimulatedNetwork:
    """One workstation's link to the hub over an unreliable network (implements HubApi)."""

    def __init__(self, inner: LocalTransport, *, name: str, in_flight: InFlight | None = None,
                 choose: Chooser = reliable) -> None:
        self.inner = inner
        self.name = name
        self.in_flight = in_flight if in_flight is not None else InFlight()
        self.choose = choose
        #: (method, fault) of every call, for failure reports.
        self.log: list[tuple[str, Fault]] = []

    def heal(self) -> None:
        self.choose = reliable

    @property
    def credential(self) -> str | None:
        return self.inner.credential

    def _call(self, method: str, body: Json | None, send: Callable[[], Json]) -> Json:
        fault = self.choose(self.name, method)
        if method != "push":
            fault = {Fault.DELAY: Fault.DROP, Fault.HOLD_COPY: Fault.DELIVER}.get(fault, fault)
        self.log.append((method, fault))
        if fault is Fault.DROP:
            raise HubUnreachable(f"simulated network: {method} request lost")
        if fault is Fault.DELAY:
            assert body is not None
            self.in_flight.hold(self.name, self.inner, body)
            raise HubUnreachable(f"simulated network: {method} request delayed")
        if fault is Fault.HOLD_COPY:
            assert body is not None
            self.in_flight.hold(self.name, self.inner, body)
        reply = send()
        if fault is Fault.DUPLICATE:
            reply = send()
        if fault is Fault.LOSE_REPLY:
            raise HubUnreachable(f"simulated network: {method} reply lost")
        return reply

    # -- HubApi ------------------------------------------------------------------------------------

    def handshake(self) -> Json:
        return self._call("handshake", None, self.inner.handshake)

    def enroll(self, body: Json) -> Json:
        return self._call("enroll", body, lambda: self.inner.enroll(body))

    def push(self, body: Json) -> Json:
        return self._call("push", body, lambda: self.inner.push(body))

    def pull(self, body: Json) -> Json:
        return self._call("pull", body, lambda: self.inner.pull(body))

    def snapshot(self, body: Json) -> Json:
        return self._call("snapshot", body, lambda: self.inner.snapshot(body))

    def reserve_mrn_block(self, body: Json) -> Json:
        return self._call("reserve_mrn_block", body, lambda: self.inner.reserve_mrn_block(body))

    def close(self) -> None:
        self.inner.close()


def scripted(*faults: Fault, then: Fault = Fault.DELIVER) -> Chooser:
    """A chooser that answers ``faults`` in order, then ``then`` for ever (deterministic tests)."""
    queue = list(faults)

    def choose(_name: str, _method: str) -> Fault:
        return queue.pop(0) if queue else then
    return choose


def per_method(plan: dict[str, list[Fault]], then: Fault = Fault.DELIVER) -> Chooser:
    """A chooser with a queue of faults per method name (deterministic tests)."""
    queues: dict[str, list[Any]] = {k: list(v) for k, v in plan.items()}

    def choose(_name: str, method: str) -> Fault:
        queue = queues.get(method)
        return queue.pop(0) if queue else then
    return choose

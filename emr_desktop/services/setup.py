"""First-run set-up of a workstation store: practice, this workstation, MRN block, admin."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import Role
from emr_desktop.domain.records import PracticeDTO, UserDTO, WorkstationDTO
from emr_desktop.models import Practice, SyncState, Workstation
from emr_desktop.services import mrn
from emr_desktop.services.users import UserService
from emr_desktop.sync.capture import SITE_STATE_KEY


@dataclass(frozen=True)
class SetupResult:
    practice: PracticeDTO
    workstation: WorkstationDTO
    admin: UserDTO


def new_site_code() -> str:
    return "ws" + secrets.token_hex(4)


def initialize_practice(db: Database, *, practice_name: str, workstation_name: str,
                        admin_password: str, admin_display_name: str = "Practice Administrator",
                        practice_details: dict[str, str] | None = None,
                        password_iterations: int | None = None) -> SetupResult:
    system = Actor.system()
    with db.unit_of_work() as session:
        if session.scalar(select(Practice.id)) is not None:
            raise RuntimeError("this store is already set up")
        session.add(SyncState(key=SITE_STATE_KEY, value=new_site_code()))
    db.reset_clock()
    with db.unit_of_work() as session:
        practice = Practice(name=practice_name, **(practice_details or {}))
        session.add(practice)
        session.flush()
        workstation = Workstation(practice_id=practice.id, name=workstation_name,
                                  site_code=db.clock.site, enrolled_at=datetime.now(UTC))
        session.add(workstation)
        mrn.reserve_block(session, *mrn.LOCAL_BLOCK, source="local")
        session.flush()
        result_practice = PracticeDTO.from_row(practice)
        result_ws = WorkstationDTO.from_row(workstation)
    admin = UserService(db).create_user(
        system, username="admin", display_name=admin_display_name, password=admin_password,
        roles=(Role.ADMIN.value,), iterations=password_iterations)
    return SetupResult(result_practice, result_ws, admin)


"""One emulated org: its database, definition, settings, clock and credentials.

The HTTP layer and the Bulk API worker both talk to an :class:`Org`; nothing here
knows about HTTP.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from crossmap.private_files import private_dir
from crossmap_salesforce.emulator.auth import Auth, Credentials
from crossmap_salesforce.emulator.clock import Clock, sf_datetime, system_clock
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.faults import FaultPlan
from crossmap_salesforce.emulator.ids import make_id
from crossmap_salesforce.emulator.orgdef import OrgDefinition, OrgSettings
from crossmap_salesforce.emulator.storage import Store

ADMIN_USERNAME = "admin@crossmap-emulator.test"
ORG_ID = make_id("00D", 1)


class Org:
    """The state of one org and the services every API shares."""

    def __init__(
        self,
        data_dir: Path,
        *,
        settings: OrgSettings | None = None,
        clock: Clock | None = None,
        faults: FaultPlan | None = None,
    ) -> None:
        private_dir(data_dir)
        self.data_dir = data_dir
        self.settings = settings or OrgSettings()
        self.clock: Clock = clock or system_clock
        self.faults = faults or FaultPlan()
        self.store = Store(data_dir / "org.sqlite3")
        self.definition = OrgDefinition(self.store)
        self.org_id = ORG_ID
        self.auth = Auth(self.store, self.clock, self.settings.session_seconds, self.org_id)
        if not self.store.get_setting("seeded", False):
            self._seed()
        if not self.store.get_setting("standard_pricebook_id", None):
            self._seed_standard_pricebook()
        self.credentials: Credentials = self.auth.ensure_credentials(ADMIN_USERNAME)
        self.admin_id: str = self.store.get_setting("admin_id")

    def close(self) -> None:
        """Release the database."""
        self.store.close()

    def now(self) -> datetime:
        """The org's current time."""
        return self.clock()

    def user_ids_by_username(self) -> dict[str, str]:
        """Usernames (lower case) → User Ids, for logins."""
        return {
            str(u.get("Username", "")).lower(): u["Id"]
            for u in self.store.scan("User")
            if u.get("IsActive", True)
        }

    # -- API request accounting --------------------------------------------------

    def count_request(self) -> tuple[int, int]:
        """Count one API request against today's allowance; returns ``(used, max)``.
        Raises the 403 ``REQUEST_LIMIT_EXCEEDED`` once the allowance is spent."""
        day = self.now().date().isoformat()
        limit = self.settings.daily_api_requests
        with self.store.transaction() as conn:
            row = conn.execute("SELECT used FROM api_usage WHERE day = ?", (day,)).fetchone()
            used = 0 if row is None else int(row[0])
            if used >= limit:
                raise OrgError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            used += 1
            conn.execute("INSERT OR REPLACE INTO api_usage (day, used) VALUES (?, ?)", (day, used))
        return used, limit

    def requests_used(self) -> int:
        """API requests counted today."""
        day = self.now().date().isoformat()
        row = self.store.read().execute(
            "SELECT used FROM api_usage WHERE day = ?", (day,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    # -- first start -------------------------------------------------------------

    @property
    def standard_pricebook_id(self) -> str:
        """The Id of the org's standard price book (``Pricebook2.IsStandard``)."""
        return str(self.store.get_setting("standard_pricebook_id"))

    def _seed_standard_pricebook(self) -> None:
        """Every org has one standard price book: "Every organization has one standard
        price book—all other price books are custom price books" (Object Reference,
        Pricebook2.IsStandard). A product gets its standard price there first."""
        now = sf_datetime(self.now())
        admin_id = self.store.get_setting("admin_id")
        store = self.store
        with store.transaction() as conn:
            rid = make_id("01s", store.allocate("01s"))
            store.put_records(conn, [(rid, "Pricebook2", False, {
                "Id": rid, "Name": "Standard Price Book", "IsActive": True,
                "IsStandard": True, "IsArchived": False, "IsDeleted": False,
                "Description": None, "CreatedDate": now, "CreatedById": admin_id,
                "LastModifiedDate": now, "LastModifiedById": admin_id, "SystemModstamp": now,
            })])
            store.put_setting(conn, "standard_pricebook_id", rid)

    def _seed(self) -> None:
        """Create what every new org has: the organization, profiles, a queue, the
        admin and a standard user."""
        now = sf_datetime(self.now())
        store = self.store
        with store.transaction() as conn:
            admin_id = make_id("005", store.allocate("005"))
            std_user_id = make_id("005", store.allocate("005"))
            admin_profile = make_id("00e", store.allocate("00e"))
            std_profile = make_id("00e", store.allocate("00e"))
            queue_id = make_id("00G", store.allocate("00G"))
            store.allocate("00D")

            def record(obj: str, rid: str, **values: Any) -> tuple[str, str, bool, dict[str, Any]]:
                data: dict[str, Any] = {"Id": rid, **values}
                od = self.definition.find(obj)
                system = {
                    "CreatedDate": now, "CreatedById": admin_id, "LastModifiedDate": now,
                    "LastModifiedById": admin_id, "SystemModstamp": now,
                }
                if od is not None:
                    for name, value in system.items():
                        if name in od.fields:
                            data.setdefault(name, value)
                return rid, obj, False, data

            users = [
                record(
                    "User", admin_id, Username=ADMIN_USERNAME, LastName="Admin",
                    FirstName="Org", Name="Org Admin", Email=ADMIN_USERNAME, Alias="admin",
                    ProfileId=admin_profile, IsActive=True, TimeZoneSidKey="GMT",
                    LocaleSidKey="en_US", EmailEncodingKey="UTF-8", LanguageLocaleKey="en_US",
                ),
                record(
                    "User", std_user_id, Username="user@crossmap-emulator.test",
                    LastName="User", FirstName="Standard", Name="Standard User",
                    Email="user@crossmap-emulator.test", Alias="suser",
                    ProfileId=std_profile, IsActive=True, TimeZoneSidKey="GMT",
                    LocaleSidKey="en_US", EmailEncodingKey="UTF-8", LanguageLocaleKey="en_US",
                ),
            ]
            store.put_records(
                conn,
                [
                    record("Organization", self.org_id, Name="crossmap emulator",
                           OrganizationType="Developer Edition", IsSandbox=False,
                           InstanceName="LOCAL", DefaultLocaleSidKey="en_US",
                           TimeZoneSidKey="GMT", LanguageLocaleKey="en_US"),
                    record("Profile", admin_profile, Name="System Administrator",
                           UserType="Standard"),
                    record("Profile", std_profile, Name="Standard User", UserType="Standard"),
                    record("Group", queue_id, Name="Support Queue", DeveloperName="Support_Queue",
                           Type="Queue"),
                    *users,
                ],
            )
            store.set_unique(
                conn,
                [("User", "Username", u[3]["Username"].lower(), u[0]) for u in users],
            )
            store.put_setting(conn, "admin_id", admin_id)
            store.put_setting(conn, "seeded", True)

"""The HTTP calls the Salesforce CLI makes before and around its data calls, checked
without the CLI (tests/emulator/test_sf_cli.py drives the CLI itself): the identity
calls after login, the versions and resources listings, doubled slashes, and the
column metadata of a query.

References:
- UserInfo: Salesforce Help, "Query for User Information"
  (https://help.salesforce.com/HTViewHelpDoc?id=remoteaccess_using_userinfo_endpoint.htm):
  ``https://login.salesforce.com/services/oauth2/userinfo``, a RESTful API defined by
  OpenID Connect; the response holds the OpenID Connect Basic Client Profile claims,
  the Salesforce user ID, org ID, and the API URLs.
- Identity URL: Salesforce Help, "Identity URLs"
  (https://help.salesforce.com/apex/HTViewHelpDoc?id=xcloud.remoteaccess_using_openid.htm)
  and the Mobile SDK guide "Using Identity URLs": ``/id/orgID/userID``, returned as
  ``id`` by the token endpoint, queried with the access token in an authorization
  header or the ``oauth_token`` parameter; ``version`` fills the ``{version}`` of the
  returned API URLs (``latest`` for the newest), otherwise they keep ``{version}``.
- The identity service's error answers (403 ``Bad_OAuth_Token``, 403 ``Wrong_Org``,
  404 ``Bad_Id``) follow the error-code table of the "Identity URLs" page as we know
  it; the stored copies of that page did not include the table, so these three
  strings are not checked against a retrieved text.
- Versions and Resources by Version: REST API Developer Guide, "Reference"
  (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_list.htm):
  ``/`` lists each version with version, label and URL, and needs no authentication;
  ``/vXX.X/`` lists the resources of a version, by name and URI.
"""

from __future__ import annotations

import requests
from emulator_support import Raw

from crossmap_salesforce.emulator import OrgHandle


def _get(org: OrgHandle, path: str, token: str | None = None, **params: str) -> requests.Response:
    with org.session() as s:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return s.get(org.instance_url + path, headers=headers, params=params)


def _admin_id(org: OrgHandle) -> str:
    assert org.emulator is not None
    return org.emulator.org.admin_id


def test_userinfo_answers_the_openid_connect_claims_of_the_token_user(org: OrgHandle) -> None:
    r = _get(org, "/services/oauth2/userinfo", org.access_token)
    assert r.status_code == 200, r.text
    body = r.json()
    user_id = _admin_id(org)
    org_id = org.emulator.org.org_id  # type: ignore[union-attr]
    assert body["sub"] == f"{org.instance_url}/id/{org_id}/{user_id}"
    assert body["user_id"] == user_id and body["organization_id"] == org_id
    assert body["preferred_username"] == org.username
    assert body["email"] == org.username and body["name"] == "Org Admin"
    assert body["given_name"] == "Org" and body["family_name"] == "Admin"
    assert body["active"] is True and body["user_type"] == "STANDARD"
    # Without a version parameter the URLs keep the literal {version}.
    assert body["urls"]["rest"] == f"{org.instance_url}/services/data/v{{version}}/"
    assert body["urls"]["metadata"].endswith(f"/services/Soap/m/{{version}}/{org_id[:15]}")


def test_userinfo_refuses_a_bad_token_as_the_identity_service_does(org: OrgHandle) -> None:
    for token in (None, "00D!not-a-token"):
        r = _get(org, "/services/oauth2/userinfo", token)
        assert r.status_code == 403 and r.text == "Bad_OAuth_Token"


def test_the_identity_url_of_the_token_response_answers(org: OrgHandle) -> None:
    with org.session() as s:
        token = s.post(f"{org.instance_url}/services/oauth2/token", data={
            "grant_type": "password", "client_id": org.client_id,
            "client_secret": org.client_secret, "username": org.username,
            "password": org.password}).json()
    with org.session() as s:
        r = s.get(token["id"], headers={"Authorization": f"Bearer {token['access_token']}"},
                  params={"version": "latest"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == token["id"]
    assert body["asserted_user"] is True and body["user_id"] == _admin_id(org)
    assert body["username"] == org.username and body["display_name"] == "Org Admin"
    assert body["urls"]["rest"] == f"{org.instance_url}/services/data/v62.0/"


def test_the_identity_url_takes_the_token_as_a_parameter(org: OrgHandle) -> None:
    org_id = org.emulator.org.org_id  # type: ignore[union-attr]
    r = _get(org, f"/id/{org_id}/{_admin_id(org)}", oauth_token=org.access_token,
             version="59.0")
    assert r.status_code == 200 and r.json()["urls"]["query"].endswith("/v59.0/query/")


def test_the_identity_url_of_another_user_is_not_the_asserted_user(org: OrgHandle) -> None:
    org_id = org.emulator.org.org_id  # type: ignore[union-attr]
    other = org.sf.query("SELECT Id FROM User WHERE Username = 'user@crossmap-emulator.test'")
    other_id = other["records"][0]["Id"]
    body = _get(org, f"/id/{org_id}/{other_id}", org.access_token).json()
    assert body["user_id"] == other_id and body["asserted_user"] is False


def test_the_identity_url_refuses_bad_tokens_and_unknown_ids(org: OrgHandle) -> None:
    org_id = org.emulator.org.org_id  # type: ignore[union-attr]
    assert _get(org, f"/id/{org_id}/{_admin_id(org)}", "bad").status_code == 403
    r = _get(org, f"/id/{org_id}/005000000000000AAA", org.access_token)
    assert r.status_code == 404 and r.text == "Bad_Id"
    r = _get(org, f"/id/00D000000000009AAA/{_admin_id(org)}", org.access_token)
    assert r.status_code == 403 and r.text == "Wrong_Org"


def test_identity_calls_are_not_counted_as_api_requests(org: OrgHandle) -> None:
    assert org.emulator is not None
    before = org.emulator.org.requests_used()
    _get(org, "/services/oauth2/userinfo", org.access_token)
    assert org.emulator.org.requests_used() == before


def test_the_versions_listing_needs_no_session_and_carries_release_labels(org: OrgHandle) -> None:
    r = _get(org, "/services/data")
    assert r.status_code == 200
    listing = {v["version"]: v for v in r.json()}
    assert listing["62.0"] == {"label": "Winter '25", "url": "/services/data/v62.0",
                               "version": "62.0"}
    assert listing["59.0"]["label"] == "Winter '24"


def test_the_resources_of_a_version_name_what_is_served(org: OrgHandle, raw: Raw) -> None:
    r = raw("GET", "/services/data/v62.0")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["sobjects"] == "/services/data/v62.0/sobjects"
    assert body["query"] == "/services/data/v62.0/query"
    assert body["identity"].endswith(f"/id/{org.emulator.org.org_id}/{_admin_id(org)}")  # type: ignore[union-attr]
    # Every resource listed answers (none of them is a 404).
    for name in ("sobjects", "limits"):
        assert raw("GET", org.instance_url + body[name]).status_code == 200
    assert raw("GET", "/services/data/v99.0").status_code == 404
    assert raw("GET", "/services/data/v62.0/", headers={"Authorization": "Bearer x"}
               ).status_code == 401


def test_a_doubled_slash_is_answered_like_a_single_one(org: OrgHandle, raw: Raw) -> None:
    """The Salesforce CLI sends these to every org it logs in with ``org login
    access-token``: the command stores ``flags['instance-url'].href`` (a WHATWG URL's
    href ends in ``/``: ``@salesforce/plugin-auth``, ``commands/org/login/access-token.js``)
    and jsforce builds its base URL as ``[instanceUrl, 'services/data', 'vXX.X'].join('/')``
    (``@jsforce/jsforce-node``, ``Connection._baseUrl``). The CLI works against real orgs
    that way, so real orgs answer ``//services/...`` as the single-slash path."""
    single = raw("GET", org.instance_url + "/services/data/v62.0/sobjects/Account/describe")
    double = raw("GET", org.instance_url + "//services/data/v62.0/sobjects/Account/describe")
    assert double.status_code == 200 and double.json()["name"] == single.json()["name"]
    created = raw("POST", org.instance_url + "//services/data/v62.0//sobjects/Account",
                  json={"Name": "Doubled slash"})
    assert created.status_code == 201, created.text
    assert raw("GET", org.instance_url + "//services/oauth2/userinfo").status_code == 200


def test_columns_true_answers_the_shape_of_the_result_not_its_rows(raw: Raw) -> None:
    """``sf data query`` asks ``…/query?q=…&columns=true`` and reads ``columnMetadata``
    (``@salesforce/plugin-data``, ``retrieveColumns``): plain fields are columns named
    by the field, a relationship path nests under its relationship in ``joinColumns``,
    an unaliased aggregate is ``exprN`` with the function as its display name."""
    raw("POST", "/sobjects/Account", json={"Name": "Columns"})
    r = raw("GET", "/query", params={"q": "SELECT Id, name, Owner.Name, Owner.Email "
                                           "FROM Account", "columns": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "records" not in body
    assert body["entityName"] == "Account" and body["keyPrefix"] == "001"
    assert body["idSelected"] is True and body["groupBy"] is False
    cols = body["columnMetadata"]
    assert [c["columnName"] for c in cols] == ["Id", "Name", "Owner"]
    name = cols[1]
    assert name["apexType"] == "String" and name["textType"] is True
    assert name["insertable"] is True and name["aggregate"] is False
    assert cols[0]["apexType"] == "Id" and cols[0]["insertable"] is False
    owner = cols[2]
    assert [c["columnName"] for c in owner["joinColumns"]] == ["Name", "Email"]
    assert owner["joinColumns"][0]["displayName"] == "Owner.Name"


def test_columns_true_of_aggregates(raw: Raw) -> None:
    body = raw("GET", "/query", params={"q": "SELECT COUNT(Id), COUNT(Name) n FROM Account",
                                        "columns": "true"}).json()
    cols = body["columnMetadata"]
    assert [(c["columnName"], c["displayName"], c["aggregate"]) for c in cols] == [
        ("expr0", "COUNT(Id)", True), ("n", "COUNT(Name)", True)]
    assert raw("GET", "/query", params={"q": "SELECT COUNT() FROM Account",
                                        "columns": "true"}).json()["columnMetadata"] == []


def test_columns_true_reports_bad_names_as_the_query_does(raw: Raw) -> None:
    for q in ("SELECT Nope__c FROM Account", "SELECT Id FROM Nope__c"):
        plain = raw("GET", "/query", params={"q": q})
        cols = raw("GET", "/query", params={"q": q, "columns": "true"})
        assert cols.status_code == plain.status_code == 400
        assert cols.json() == plain.json()


def test_columns_true_of_subqueries_groups_and_fields_macros(raw: Raw) -> None:
    """A child subquery is an aggregate column whose ``joinColumns`` are its fields
    (``sf data query`` then lays it out as a subquery); a grouped query's date
    function is an ``exprN`` column shown as the function; ``FIELDS()`` lists the
    fields it expands to."""
    sub = raw("GET", "/query", params={
        "q": "SELECT Name, (SELECT LastName, Email FROM Contacts) FROM Account", "columns": "true"})
    assert sub.status_code == 200, sub.text
    contacts = sub.json()["columnMetadata"][1]
    assert contacts["columnName"] == "Contacts" and contacts["aggregate"] is True
    assert [c["columnName"] for c in contacts["joinColumns"]] == ["LastName", "Email"]
    grouped = raw("GET", "/query", params={
        "q": "SELECT CALENDAR_YEAR(CreatedDate), MAX(Name) top FROM Account "
             "GROUP BY CALENDAR_YEAR(CreatedDate)", "columns": "true"}).json()
    assert grouped["groupBy"] is True
    assert [(c["columnName"], c["displayName"], c["apexType"]) for c in grouped["columnMetadata"]] == [
        ("expr0", "CALENDAR_YEAR(CreatedDate)", "Integer"), ("top", "MAX(Name)", "String")]
    macro = raw("GET", "/query", params={"q": "SELECT FIELDS(STANDARD) FROM Account LIMIT 1",
                                         "columns": "true"}).json()["columnMetadata"]
    assert {"Id", "Name", "Industry"} <= {c["columnName"] for c in macro}


def test_columns_true_of_a_tooling_query(raw: Raw) -> None:
    r = raw("GET", "/tooling/query", params={"q": "SELECT Id, DeveloperName FROM CustomObject",
                                             "columns": "true"})
    assert r.status_code == 200, r.text
    assert [c["columnName"] for c in r.json()["columnMetadata"]] == ["Id", "DeveloperName"]

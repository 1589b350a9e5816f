"""An admin runs the organization in a real browser: adds a member, who joins; deactivates another."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from leeway.people.models import Member

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results"


@pytest.fixture
def people_live(transactional_db, live_server):
    """The demo's organizations, people and policy behind a live server (no customers: not needed here)."""
    from leeway.people import demo as people_demo
    from leeway.policy import demo as policy_demo

    people_demo.load()
    policy_demo.load()
    return live_server


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            ("Content Security Policy" in message.text or "Refused to" in message.text)
            and problems.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


def _log_in(page, base_url, username, password="demo-pass-1"):
    page.goto(f"{base_url}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def _shot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_an_admin_adds_a_member_who_joins_and_deactivates_another(page, browser, people_live):
    problems = _watch(page)
    _log_in(page, people_live.url, "aurora-admin")
    navigation = page.get_by_role("navigation", name="Main")
    navigation.get_by_text("Manage", exact=True).click()  # the organization's settings menu
    navigation.get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    page.get_by_role("link", name="Add a member").click()

    form = page.locator("form.card")
    # The initial password field shows only when the admin chooses to set one.
    expect(page.locator("#password-field")).to_be_hidden()
    page.get_by_label("A password I set now").check()
    expect(page.locator("#password-field")).to_be_visible()
    page.get_by_label("An invitation link: they choose their own password").check()
    expect(page.locator("#password-field")).to_be_hidden()

    form.get_by_label("Username").fill("nora-nueva")
    form.get_by_label("Name", exact=True).fill("Nora Nueva Pérez")
    form.get_by_label("Role").select_option(label="Agent")
    page.get_by_role("button", name="Add member").click()
    # An agent without a tier or team is refused, next to the fields, and nobody is added.
    expect(page.get_by_text("An agent needs an authority tier")).to_be_visible()
    expect(page.get_by_text("An agent needs a team")).to_be_visible()
    assert not Member.objects.filter(username="nora-nueva").exists()

    form.get_by_label("Authority tier").select_option(label="Starter")
    form.get_by_label("Team").select_option(label="Denver Billing · Denver")
    form.locator("#id_language").select_option("es")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_text("Nora Nueva Pérez was added.")).to_be_visible()
    link = page.locator("#invitation-link").inner_text()
    assert "/people/invitation/" in link
    _shot(page, "admin-member-added")

    # The new agent opens the link in their own browser, in the language the admin gave them.
    newcomer = browser.new_context(viewport={"width": 400, "height": 800})
    their_page = newcomer.new_page()
    their_page.goto(link)
    expect(their_page.get_by_role("heading", name="Elige tu contraseña")).to_be_visible()
    their_page.locator("#id_new_password1").fill("nora-clave-larga-1")
    their_page.locator("#id_new_password2").fill("nora-clave-larga-1")
    their_page.get_by_role("button", name="Guardar la contraseña y entrar").click()
    their_page.wait_for_load_state("networkidle")
    assert "/console/" in their_page.url
    expect(their_page.get_by_text("Te damos la bienvenida a Leeway")).to_be_visible()
    newcomer.close()

    # The admin deactivates another agent from the members list.
    page.get_by_role("link", name="Members").first.click()
    page.get_by_label("Search").fill("okim")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Olivia Kim").click()
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("Olivia Kim is deactivated")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("deactivated")
    expect(page.get_by_role("button", name="Reactivate")).to_be_visible()
    _shot(page, "admin-member-deactivated")
    assert not Member.objects.get(username="okim").is_active
    nora = Member.objects.get(username="nora-nueva")
    assert nora.is_active and nora.has_usable_password() and nora.team.name == "Denver Billing"
    assert problems == []


def test_the_members_page_fits_a_400_pixel_screen_in_spanish(page, people_live):
    problems = _watch(page)
    page.set_viewport_size({"width": 400, "height": 800})
    _log_in(page, people_live.url, "casa-admin")
    page.goto(f"{people_live.url}/people/members/")
    expect(page.get_by_role("heading", name="Miembros", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Añadir un miembro")).to_be_visible()
    # The table scrolls inside its card; the page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    _shot(page, "admin-members-400-es")
    for path in ("/people/members/new/", "/people/organization/", "/people/members/import/"):
        page.goto(f"{people_live.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 400, path
    _shot(page, "admin-member-new-400-es")
    assert problems == []

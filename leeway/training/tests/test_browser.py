"""In a real browser, in English and Spanish: the trainer's editor with its preview in both languages, and
an agent reading a module, taking its quiz and reading the results (then the lead confirms the tier)."""

import pytest
from playwright.sync_api import expect

from leeway.core.tests.browser import (
    SCREENSHOTS,
    demo_live,  # noqa: F401 - fixture
    log_in,
    watch_csp,
)
from leeway.training.models import Attempt, Module
from leeway.training.selectors import model_answers

pytestmark = pytest.mark.browser


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def edit_and_preview(
    page, base_url: str, *, title_field: str, new_title: str, preview: str, save: str
) -> Module:
    module = Module.objects.get(code="empowerment-basics")
    page.goto(f"{base_url}/training/manage/modules/{module.pk}/")
    page.locator(f"#{title_field}").fill(new_title)
    page.get_by_role("button", name=preview).click()
    expect(page.locator("#preview-en h3")).to_be_visible()
    expect(page.locator("#preview-es h3")).to_contain_text("Empoderamiento en Aurora")
    expect(page.locator("#preview")).to_contain_text(new_title)
    module.refresh_from_db()
    assert new_title not in {t.title for t in module.translations.all()}  # a preview saves nothing
    page.get_by_role("button", name=save, exact=True).click()
    expect(page.locator(".message.success")).to_be_visible()
    return Module.objects.get(pk=module.pk)


def test_the_trainer_edits_a_module_and_previews_both_languages_in_spanish(page, demo_live):  # noqa: F811
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-trainer")  # Spanish
    page.get_by_role("link", name="Formación").first.click()
    expect(page.get_by_role("heading", name="Formación", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Quién está certificado")).to_be_visible()
    expect(page.locator("tr.state-expired")).to_contain_text("Caducado")
    module = edit_and_preview(
        page,
        demo_live.url,
        title_field="title_es",
        new_title="Empoderamiento en Aurora: lo esencial",
        preview="Vista previa en ambos idiomas",
        save="Guardar",
    )
    assert (
        module.safe_translation_getter("title", language_code="es") == "Empoderamiento en Aurora: lo esencial"
    )
    expect(page.get_by_role("heading", name="Dificultad de las preguntas")).to_be_visible()
    no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "training-editor-es.png"), full_page=True)
    assert violations == []


def test_an_admin_edits_a_module_in_english(page, demo_live):  # noqa: F811
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-admin")
    page.goto(f"{demo_live.url}/training/manage/")
    expect(page.get_by_role("heading", name="Who is certified")).to_be_visible()
    module = edit_and_preview(
        page,
        demo_live.url,
        title_field="title_en",
        new_title="Empowerment at Aurora: the essentials",
        preview="Preview in both languages",
        save="Save",
    )
    assert (
        module.safe_translation_getter("title", language_code="en") == "Empowerment at Aurora: the essentials"
    )
    page.screenshot(path=str(SCREENSHOTS / "training-editor-en.png"))
    assert violations == []


def take_the_quiz(page, base_url: str, username: str, *, labels: dict) -> Attempt:
    page.get_by_role("link", name=labels["nav"]).first.click()
    expect(page.get_by_role("heading", name=labels["mine"])).to_be_visible()
    page.get_by_role("link", name=labels["module"]).click()
    expect(page.get_by_role("heading", name=labels["part1"])).to_be_visible()
    page.get_by_role("button", name=labels["start"]).click()
    expect(page.locator("fieldset.question").first).to_be_visible()
    attempt = Attempt.objects.filter(member__username=username).latest("started_at")
    for answer in model_answers(attempt, justification=labels["why"]):
        number = answer["question"]
        page.locator(f"#gesture_{number}").select_option(answer["gesture"])
        page.locator(f"input[name='zone_{number}'][value='{answer['zone']}']").check()
        page.locator(f"#justification_{number}").fill(answer["justification"])
    page.screenshot(path=str(SCREENSHOTS / f"training-quiz-{username}.png"), full_page=True)
    page.get_by_role("button", name=labels["submit"]).click()
    expect(page.locator("#result")).to_contain_text(labels["passed"])
    attempt.refresh_from_db()
    return attempt


def test_an_agent_takes_a_module_in_english(page, demo_live):  # noqa: F811
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-agent")
    attempt = take_the_quiz(
        page,
        demo_live.url,
        "aurora-agent",
        labels={
            "nav": "Training",
            "mine": "My training",
            "module": "Empowerment at Aurora: your authority",
            "part1": "1. What empowerment is here",
            "start": "Start the quiz",
            "why": "Our outage caused it.",
            "submit": "Submit my answers",
            "passed": "Passed",
        },
    )
    assert attempt.passed and attempt.correct == attempt.total
    expect(page.locator("#result")).to_contain_text("Certified until")
    no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "training-results-en.png"), full_page=True)
    assert violations == []


def test_an_agent_takes_a_module_in_spanish_at_400(page, demo_live):  # noqa: F811
    violations = watch_csp(page)
    page.set_viewport_size({"width": 400, "height": 800})
    log_in(page, demo_live.url, "aurora-agente")
    page.goto(f"{demo_live.url}/training/")
    attempt = take_the_quiz(
        page,
        demo_live.url,
        "aurora-agente",
        labels={
            "nav": "Formación",
            "mine": "Mi formación",
            "module": "Empoderamiento en Aurora: tu autoridad",
            "part1": "1. Qué es aquí el empoderamiento",
            "start": "Empezar el cuestionario",
            "why": "Fue una avería nuestra.",
            "submit": "Enviar mis respuestas",
            "passed": "Aprobado",
        },
    )
    assert attempt.passed
    assert "En juego" in attempt.questions.first().situation or attempt.questions.first().scenario_id
    no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "training-results-es-400.png"), full_page=True)
    assert violations == []


def test_the_lead_confirms_an_eligible_agent_in_one_click(page, demo_live):  # noqa: F811
    from leeway.people.models import Member

    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-lead")
    page.get_by_role("link", name="Eligible agents").first.click()
    expect(page.locator(".proposal")).to_contain_text("Keisha Williams")
    page.screenshot(path=str(SCREENSHOTS / "training-eligible.png"))
    page.get_by_role("button", name="Confirm Experienced").click()
    expect(page.locator(".message.success")).to_contain_text("Keisha Williams is now Experienced")
    assert Member.objects.get(username="kwilliams").tier.code == "experienced"
    assert violations == []


def test_a_due_review_question_waits_folded_in_the_console_and_takes_one_click(page, demo_live):  # noqa: F811
    from django.utils import timezone

    from leeway.training.models import ReviewCard

    violations = watch_csp(page)
    card = ReviewCard.objects.filter(member__username="kwilliams").order_by("pk").first()
    ReviewCard.objects.filter(pk=card.pk).update(due=timezone.now())
    log_in(page, demo_live.url, "kwilliams")
    page.goto(f"{demo_live.url}/console/")
    panel = page.locator(".training-review")
    expect(panel).to_contain_text("A quiet moment? One review question is due")
    panel.locator("summary").click()
    expect(panel.get_by_role("button", name="Green: inside your authority")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "training-console-review.png"))
    panel.get_by_role("button", name="Red: a lead decides").click()
    expect(page.locator(".messages")).to_be_visible()
    card.refresh_from_db()
    assert card.reviews == 2 and card.console_reviewed_at is not None
    assert violations == []


def test_the_agents_training_page_and_the_admins_settings(page, demo_live):  # noqa: F811
    violations = watch_csp(page)
    log_in(page, demo_live.url, "rpatel")
    page.goto(f"{demo_live.url}/training/")
    expect(page.locator("tbody")).to_contain_text("Expired: take it again")
    page.screenshot(path=str(SCREENSHOTS / "training-mine-expired.png"))
    page.context.clear_cookies()
    log_in(page, demo_live.url, "aurora-admin")
    page.goto(f"{demo_live.url}/training/settings/")
    page.get_by_label("Protected decisions needed").fill("40")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message.success")).to_contain_text("The training settings are saved.")
    page.screenshot(path=str(SCREENSHOTS / "training-settings.png"))
    assert violations == []

"""`leeway value refresh [--organization SLUG]` and `leeway value fit --summary FILE [--json]`."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from leeway.people.models import Organization
from leeway.value.model.cli import FIT_ERRORS, add_fit_arguments, fit_report
from leeway.value.models import ValueRunStatus
from leeway.value.refresh import value_refresh_organization


class Command(BaseCommand):
    help = (
        "Customer lifetime value: refit and store values (refresh), or fit a CDNOW-style summary CSV (fit)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="Refit the models and store every customer's value.")
        refresh.add_argument("--organization", help="Only this organization (slug); default: all of them.")
        refresh.add_argument("--no-progress", action="store_true")
        fit = sub.add_parser(
            "fit", help="Fit BG/NBD (and Gamma-Gamma when spend is present) to a summary CSV."
        )
        add_fit_arguments(fit)

    def handle(self, *args, action, **options):
        if action == "fit":
            return self.fit(options["summary"], as_json=options["json"])
        return self.refresh(options.get("organization"), progress=not options.get("no_progress"))

    def fit(self, path: str, *, as_json: bool) -> None:
        # `leeway value fit` runs leeway.value.model.cli before Django starts; this is the same fit
        # for call_command and `leeway help value`.
        try:
            self.stdout.write(fit_report(path, as_json=as_json))
        except FIT_ERRORS as error:
            raise CommandError(str(error)) from None

    def refresh(self, slug: str | None, *, progress: bool) -> None:
        organizations = Organization.objects.order_by("slug")
        if slug:
            organizations = organizations.filter(slug=slug)
            if not organizations.exists():
                raise CommandError(f"No organization with the slug {slug!r}.")
        failures = 0
        for organization in organizations:
            with tqdm(total=0, unit=" customers", desc=organization.slug, disable=not progress) as bar:

                def report(phase: str, done: int, total: int, bar=bar) -> None:
                    bar.set_postfix_str(phase)
                    if total and bar.total != total:
                        bar.total = total
                        bar.refresh()
                    bar.update(max(0, done - bar.n))

                run = value_refresh_organization(
                    organization=organization, trigger="command", progress=report
                )
            if run.status == ValueRunStatus.SUCCEEDED:
                bg = run.parameters["bgnbd"]
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{organization.slug}: values stored for {run.progress_done} customers "
                        f"(r={bg['r']:.3f} alpha={bg['alpha']:.3f} a={bg['a']:.3f} b={bg['b']:.3f})."
                    )
                )
                if run.penalized:
                    penalties = ", ".join(
                        f"{name} {run.parameters[key]['penalty']:g}"
                        for key, name in (("bgnbd", "BG/NBD"), ("gamma_gamma", "Gamma-Gamma"))
                        if "penalty" in run.parameters[key]
                    )
                    self.stdout.write(
                        f"{organization.slug}: the optimum lies on the boundary of the parameters (no sign "
                        "of customers dropping out, or rates or spends that barely differ), so the model "
                        f"was fitted with a small penalty on its log-parameters ({penalties}); the values "
                        "are close to the model's limit, in which customers keep buying as they have."
                    )
            else:
                failures += 1
                self.stderr.write(
                    f"{organization.slug}: no new values ({run.failure_code}): {run.error}. "
                    "Previous values were kept."
                )
        if failures and slug:
            raise CommandError("The value refresh did not produce new values.")

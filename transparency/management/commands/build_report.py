"""python manage.py build_report 2025-Q3 [--publish] [--change-note TEXT]"""

from django.core.management.base import BaseCommand, CommandError

from transparency import periods, services


class Command(BaseCommand):
    help = "Build a draft transparency report for a period (2025-H1, 2025-Q3); --publish freezes and signs it."

    def add_arguments(self, parser):
        parser.add_argument("period")
        parser.add_argument("--publish", action="store_true", help="publish the draft at once")
        parser.add_argument("--change-note", default="", help="what a correction changes (needed to re-publish)")
        parser.add_argument(
            "--acknowledge-open",
            action="store_true",
            help="publish although requests of the period are still open (the report states how many)",
        )

    def handle(self, *args, period, publish, change_note, acknowledge_open, **opts):
        try:
            report = services.report_build(period=period, change_note=change_note)
            totals = report.snapshot["totals"]
            self.stdout.write(
                f"Draft {report.period} built (#{report.pk}): {totals['requests']} requests, "
                f"{totals['pct_with_data']}% with some data produced."
            )
            if publish:
                report = services.report_publish(
                    report=report, change_note=change_note, acknowledge_open=acknowledge_open
                )
                self.stdout.write(
                    self.style.SUCCESS(f"Published {report.period} version {report.version}, sha256 {report.sha256}")
                )
        except (periods.PeriodError, services.ReportError) as exc:
            raise CommandError(str(exc)) from exc

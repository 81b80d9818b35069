import json as _json

from django.core.management.base import BaseCommand

from progress.reports import course_stats


class Command(BaseCommand):
    help = "Students per tier, active students (7/30 days), chapters completed, quiz pass rate."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON for scripts.")

    def handle(self, *args, json: bool, **options) -> None:
        stats = course_stats()
        if json:
            self.stdout.write(_json.dumps(stats.as_dict(), indent=2, sort_keys=True))
            return
        tiers = ", ".join(f"{tier} {n}" for tier, n in stats.students_per_tier.items())
        rate = "n/a" if stats.quiz_pass_rate is None else f"{stats.quiz_pass_rate}%"
        lines = [
            f"Students: {stats.students_total} ({tiers})",
            f"Active in the last 7 days: {stats.active_last_7_days}; "
            f"last 30 days: {stats.active_last_30_days}",
            f"Chapters completed: {stats.chapters_completed}",
            *(f"  {slug}: {n}" for slug, n in stats.completions_per_chapter.items()),
            f"Quiz attempts: {stats.quiz_attempts}; pass rate: {rate} "
            f"({stats.quizzes_passed} of {stats.quizzes_attempted} student-quiz pairs passed)",
        ]
        self.stdout.write("\n".join(lines))

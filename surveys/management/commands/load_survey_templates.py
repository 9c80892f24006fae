from django.core.management.base import BaseCommand

from surveys.survey_templates import load_survey_templates


class Command(BaseCommand):
    help = "Create the ready-made post-call (SERVQUAL) and Kano surveys; existing ones are left as they are."

    def handle(self, *args, **options) -> None:
        for survey in load_survey_templates():
            version = survey.current_version()
            self.stdout.write(f"{survey.code}: version {version.number}, {version.questions.count()} questions")

"""`manage.py lifeline_demo_traffic`: the gallery's sample traffic, published with `notify()` from
a separate process (as a worker or cron job would): dashboard stats, leaderboard scores, user
notifications, kanban moves on board:demo, and `tick` events with n = 1, 2, … on demo:ticker."""
import random
import time

from django.core.management.base import BaseCommand

from lifeline_channels import notify

DEMO_USERS = ["ada", "grace", "linus"]
TEAM = ["ada", "grace", "linus", "margaret", "ken", "barbara"]
COLUMNS = ["todo", "doing", "review", "done"]
NOTIFICATIONS = ["New comment on your solution", "Your mentor replied", "You earned a badge", "A track you follow was updated"]


class Command(BaseCommand):
    help = "Publishes the gallery's sample traffic until interrupted (or for --seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=None, help="stop after this long")

    def handle(self, *args, seconds=None, **options):
        scores = {name: random.randrange(100) for name in TEAM}
        started = time.monotonic()
        tick = 0
        while seconds is None or time.monotonic() - started < seconds:
            tick += 1
            notify("demo:ticker", "tick", {"n": tick, "at": int(time.time() * 1000)})
            if tick % 4 == 0:
                self.round(tick // 4, scores)
            time.sleep(0.25)

    def round(self, number, scores):
        scorer = random.choice(TEAM)
        scores[scorer] += 1 + random.randrange(10)
        notify("dashboard", "stats", {"activeUsers": 40 + random.randrange(20), "submissions": number * 3, "at": int(time.time() * 1000)})
        ranking = sorted(({"name": name, "points": points} for name, points in scores.items()), key=lambda row: -row["points"])
        notify("leaderboard", "scores", {"scores": ranking})
        if number % 3 == 0:
            notify(f"user:{random.choice(DEMO_USERS)}", "notification", {"id": f"n{number}", "text": random.choice(NOTIFICATIONS), "at": int(time.time() * 1000)})
        if number % 2 == 0:
            notify("board:demo", "card_moved", {"card": f"card-{1 + random.randrange(6)}", "to": random.choice(COLUMNS), "by": random.choice(TEAM)})

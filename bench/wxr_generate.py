"""A large WordPress export (WXR 1.2) for the import benchmark, streamed to a file.

The blog it describes is made up (German text with umlauts, typographic quotes, non-breaking
spaces, entities and emoji, in CDATA as WordPress writes it). The same arguments give the same
file: posts with threaded comments (replies to replies), held and spam comments, drafts, closed
threads, and now and then a pingback (not counted among the comments). Nothing is kept in memory
but the post being written.

    python -m bench.wxr_generate export.xml --posts 10000 --comments 100000
"""

import argparse
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
\t<title>Stadtteilnetz Benchmark</title>
\t<link>https://bench.example</link>
\t<language>de-DE</language>
\t<wp:wxr_version>1.2</wp:wxr_version>
\t<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[redaktion]]></wp:author_login>\
<wp:author_display_name><![CDATA[Redaktion Süd]]></wp:author_display_name></wp:author>
"""
FOOTER = "</channel>\n</rss>\n"
PINGBACK_EVERY = 100
"""One post in this many gets a pingback besides its comments."""
_START = datetime(2015, 1, 1, tzinfo=UTC)
_WORDS = [
    "Nachbarschaft", "Begegnung", "Bürgerhaus", "Straßenfest", "Gemeinschaftsgarten", "Ehrenamt",
    "Kooperation", "Grüße", "Übergabe", "Spielplatz", "Öffnungszeiten", "Lastenrad",
    "Fahrradwerkstatt", "Repair-Café", "Mühlbach", "Flohmarkt", "Lesung", "Sprechstunde",
    "Bücherschrank", "Vereinsheim", "Tauschbörse", "Frühjahrsputz", "Sommerfest", "Schüler",
]  # fmt: skip
_PARAGRAPHS = (
    "Am Samstag trafen sich über 40 Nachbarinnen und Nachbarn im Bürgerhaus – mehr als je zuvor. "
    "„So voll war es hier lange nicht“, sagte die Vorsitzende und lachte.",
    "Wer mitmachen möchte, meldet sich bis Freitag, 18&nbsp;Uhr, bei der Geschäftsstelle. "
    "Die Teilnahme ist kostenlos; Kuchen &amp; Kaffee gibt es gegen Spende. 😊",
    "Die Fahrradwerkstatt öffnet ab März wieder jeden Dienstag von 16\u00a0bis 19\u00a0Uhr. "
    "Werkzeug ist da, Ersatzteile bringt bitte selbst mit.",
    "Ein herzliches Dankeschön an alle, die Tische geschleppt, Zelte aufgebaut und bis spät "
    "abgebaut haben &#8211; ohne euch wäre das nicht gegangen.",
)
_COMMENTS = (
    "Danke für den Bericht! Wir waren auch da und fanden es großartig.",
    "Gibt es nächstes Mal wieder die Spielecke für die Kleinen? 🙂",
    "Schöne Idee – ich bringe gern zwei Kisten Bücher vorbei.\nBis Samstag!",
    "Könnt ihr die Uhrzeit noch einmal bestätigen? Im Aushang stand 10\u00a0Uhr.",
)


def comment_counts(posts: int, comments: int, rng: random.Random) -> list[int]:
    """How many comments each post gets: `comments` in all, unevenly spread, as on a real blog."""
    counts = [comments // posts + (1 if n < comments % posts else 0) for n in range(posts)]
    for _ in range(posts):
        giver, taker = rng.randrange(posts), rng.randrange(posts)
        moved = rng.randint(0, counts[giver])
        counts[giver] -= moved
        counts[taker] += moved
    return counts


def _wordpress_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _post(number: int, comment_count: int, first_comment: int, rng: random.Random) -> Iterator[str]:
    published = _START + timedelta(minutes=number * 397 + rng.randrange(300))
    words = rng.sample(_WORDS, 4)
    title = f"{words[0]} und {words[1]}: „{words[2]}“ im Viertel ({number})"
    status = "draft" if number % 20 == 7 else "publish"
    thread = "closed" if number % 5 == 3 else "open"
    content = "\n\n".join(rng.choice(_PARAGRAPHS) for _ in range(rng.randint(2, 6)))
    yield f"""\t<item>
\t\t<title><![CDATA[{title}]]></title>
\t\t<dc:creator><![CDATA[redaktion]]></dc:creator>
\t\t<content:encoded><![CDATA[{content}]]></content:encoded>
\t\t<excerpt:encoded><![CDATA[]]></excerpt:encoded>
\t\t<wp:post_id>{number}</wp:post_id>
\t\t<wp:post_date><![CDATA[{_wordpress_date(published + timedelta(hours=1))}]]></wp:post_date>
\t\t<wp:post_date_gmt><![CDATA[{_wordpress_date(published)}]]></wp:post_date_gmt>
\t\t<wp:post_modified_gmt><![CDATA[{_wordpress_date(published + timedelta(days=2))}]]></wp:post_modified_gmt>
\t\t<wp:comment_status><![CDATA[{thread}]]></wp:comment_status>
\t\t<wp:post_name><![CDATA[{"" if number % 10 == 4 else f"beitrag-{number}"}]]></wp:post_name>
\t\t<wp:status><![CDATA[{status}]]></wp:status>
\t\t<wp:post_type><![CDATA[post]]></wp:post_type>
\t\t<category domain="category" nicename="netzwerk"><![CDATA[Kooperation &amp; Netzwerke]]></category>
\t\t<category domain="post_tag" nicename="{words[3].lower()}"><![CDATA[{words[3]}]]></category>
"""
    moment = published
    for offset in range(comment_count):
        comment_number = first_comment + offset
        moment += timedelta(minutes=rng.randint(1, 600))
        # Two in five answer an earlier comment of the same post: threads nest several levels.
        parent = first_comment + rng.randrange(offset) if offset and rng.random() < 0.4 else 0
        approved = rng.choices(("1", "0", "spam"), weights=(85, 10, 5))[0]
        yield _comment(comment_number, moment, parent, approved, "comment", rng.choice(_COMMENTS))
    if number % PINGBACK_EVERY == 0:
        yield _comment(
            0, published, 0, "1", "pingback", "[&#8230;] ein Beitrag, der hierher verlinkt [&#8230;]"
        )
    yield "\t</item>\n"


def _comment(number: int, moment: datetime, parent: int, approved: str, kind: str, text: str) -> str:
    return f"""\t\t<wp:comment>
\t\t\t<wp:comment_id>{number}</wp:comment_id>
\t\t\t<wp:comment_author><![CDATA[Leserin {number % 977}]]></wp:comment_author>
\t\t\t<wp:comment_author_email><![CDATA[leserin{number % 977}@example.org]]></wp:comment_author_email>
\t\t\t<wp:comment_author_url>https://leserin{number % 977}.example</wp:comment_author_url>
\t\t\t<wp:comment_date_gmt><![CDATA[{_wordpress_date(moment)}]]></wp:comment_date_gmt>
\t\t\t<wp:comment_content><![CDATA[{text}]]></wp:comment_content>
\t\t\t<wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>
\t\t\t<wp:comment_type><![CDATA[{kind}]]></wp:comment_type>
\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>
\t\t</wp:comment>
"""


def write_wxr(target: IO[str], *, posts: int, comments: int, seed: int = 2025) -> None:
    """Write an export of `posts` posts with `comments` comments in all to `target`."""
    rng = random.Random(seed)  # noqa: S311 (made-up data that must repeat, not secrets)
    target.write(HEADER)
    next_comment = 1
    for number, count in enumerate(comment_counts(posts, comments, rng), start=1):
        target.writelines(_post(number, count, next_comment, rng))
        next_comment += count
    target.write(FOOTER)


def generate(path: Path, *, posts: int, comments: int) -> None:
    """Write the export to `path`."""
    with path.open("w", encoding="utf-8") as target:
        write_wxr(target, posts=posts, comments=comments)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wxr_generate", description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=100_000)
    arguments = parser.parse_args(argv)
    generate(arguments.path, posts=arguments.posts, comments=arguments.comments)


if __name__ == "__main__":
    main()

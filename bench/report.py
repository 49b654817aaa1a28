"""The results as Markdown tables, printed by `make bench` (docs/PERFORMANCE.md says how to read them)."""

from typing import Any

COLD_START_RATIO = 1.1
"""A function's cold start, at most this times the framework reference's (Powertools' validating
resolver, Logger and Metrics, no blog code): the framework is the design's, the rest is the blog's."""
LIST_PAGE_RATIO = 1.1
COMMENT_WRITES_RATIO = 1.1
LOCAL_OVERHEAD_MS = 5.0
RESTORE_RATIO = 1.5
"""The first request after a SnapStart restore, at most this times the function's warm p50."""


def table(header: list[str], rows: list[list[Any]], align: str = "") -> list[str]:
    """A Markdown table; `align` has an `l` or `r` per column (default: first left, the rest right)."""
    align = align or "l" + "r" * (len(header) - 1)
    marks = {"l": "---", "r": "---:"}
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks[a] for a in align) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def ms(value: float) -> str:
    return f"{value:.1f}"


class Report:
    """Every section of the results, in the order `make bench` prints them."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results

    def render(self) -> str:
        lines: list[str] = []
        for section in (
            self.targets,
            self.round_trips,
            self.cold_start,
            self.snapstart,
            self.list_page,
            self.comment_writes,
            self.local_api,
            self.local_api_load,
            self.growth,
            self.wxr_import,
        ):
            lines += [*section(), ""]
        return "\n".join(lines).rstrip() + "\n"

    def targets(self) -> list[str]:
        r = self.results
        met = r["targets"]
        cold = r["cold_start"]
        worst = cold["functions"][cold["worst"]]
        snap = r["snapstart"]
        restored = snap["functions"][snap["worst"]]
        slowest_route = max(r["local_api"], key=lambda route: r["local_api"][route]["overhead_ms"])
        trips = ", ".join(str(n) for n in sorted(set(r["round_trips"].values())))
        concurrent = sorted({reads["round_trips"] for reads in r["concurrent_reads"].values()})
        layer = "not built" if r["layer_mb"] is None else f"{r['layer_mb']:.1f} MB unzipped"

        def verdict(name: str) -> str:
            return "met" if met[name] else "**not met**"

        rows = [
            [
                "DynamoDB round trips per request",
                "1",
                f"{trips} (every route); {', '.join(map(str, concurrent))} (two reads at once, below)",
                verdict("round_trips"),
            ],
            [
                "Cold start, worst function vs. the framework reference",
                f"≤ {COLD_START_RATIO}×",
                f"{worst['framework_ratio']:.2f}× (`{cold['worst']}`: {worst['ms']:.0f} ms,"
                f" {worst['ratio']:.2f}× floor)",
                verdict("cold_start"),
            ],
            [
                "First request after a SnapStart restore, worst function vs. its warm p50",
                f"≤ {RESTORE_RATIO}×",
                f"{restored['ratio']:.2f}× (`{snap['worst']}`: {restored['restored_ms']:.0f} ms)",
                verdict("snapstart"),
            ],
            [
                "List page, 100 KB vs. 200-byte bodies",
                f"≤ {LIST_PAGE_RATIO}×",
                f"{r['list_page']['ratio']:.3f}×",
                verdict("list_page"),
            ],
            [
                "Bytes written per comment, 200 KB vs. 1 KB post",
                f"≤ {COMMENT_WRITES_RATIO}×",
                f"{r['comment_writes']['ratio']:.3f}×",
                verdict("comment_writes"),
            ],
            [
                "Local API over its DynamoDB call, p50",
                f"< {LOCAL_OVERHEAD_MS:.0f} ms",
                f"worst {r['local_api'][slowest_route]['overhead_ms']:.1f} ms (`{slowest_route}`)",
                verdict("local_api"),
            ],
            ["Built layer, without boto3/botocore", "small", layer, verdict("layer_without_boto")],
        ]
        return ["### Targets", "", *table(["target", "goal", "measured", ""], rows, "llll")]

    def round_trips(self) -> list[str]:
        rows = [[f"`{route}`", n] for route, n in self.results["round_trips"].items()]
        concurrent = [
            [f"`{request}`", reads["requests"], reads["round_trips"], reads["reason"]]
            for request, reads in self.results["concurrent_reads"].items()
        ]
        second = [
            [f"`{route}`", reads["round_trips"], reads["reason"]]
            for route, reads in self.results.get("second_reads", {}).items()
        ]
        return [
            "### DynamoDB round trips per request",
            "",
            "HTTP requests to DynamoDB of one successful request, counted with botocore's event hooks"
            " (`GET /openapi.json` reads no data):",
            "",
            *table(["route", "round trips"], rows),
            "",
            "Requests that read twice at once, as DESIGN.md allows where one read cannot answer"
            " (requests on the wire together cost one round trip of latency):",
            "",
            *table(["request", "DynamoDB requests", "round trips", "why"], concurrent, "lrrl"),
            "",
            "Routes that read a second time, after the first read told them what, and routes whose"
            " requests grow with what they remove:",
            "",
            *table(["route", "round trips", "why"], second, "lrl"),
            *self.feed_page(),
        ]

    def feed_page(self) -> list[str]:
        page = self.results.get("feed_page")
        if page is None:
            return []
        rows = [
            [
                label,
                f"{page[kind]['content_bytes']:,}",
                f"{page[kind]['html_bytes']:,}",
                f"{page[kind]['entry_bytes']:,}",
                page[kind]["per_query_page"],
            ]
            for kind, label in (
                ("text", "100 KB of text (the content cap)"),
                ("markup", "HTML at the body cap"),
            )
        ]
        return [
            "",
            f"Why a post feed ({page['feed_entries']} entries with their HTML) is not one Query: the largest"
            " posts, as an index entry holding a post's summary and HTML would count them, against the"
            f" {page['query_page_bytes']:,} bytes after which DynamoDB ends a Query page:",
            "",
            *table(["post", "Markdown bytes", "HTML bytes", "entry bytes", "per Query page"], rows, "lrrrr"),
        ]

    def cold_start(self) -> list[str]:
        cold = self.results["cold_start"]
        references = cold["references"]
        rows = [["floor: import boto3, create the client, one Query", ms(cold["floor_ms"]), "", "1.00", ""]]
        rows += [
            [f"{name}: {v['what']}", ms(v["ms"]), "", f"{v['ratio']:.2f}", ""]
            for name, v in references.items()
        ]
        by_ratio = sorted(cold["functions"].items(), key=lambda item: -item[1]["ratio"])
        rows += [
            [f"`{job}`", ms(v["ms"]), ms(v["import_ms"]), f"{v['ratio']:.2f}", f"{v['framework_ratio']:.2f}"]
            for job, v in by_ratio
        ]
        source = cold["layer_without_bytecode"]
        rows.append(
            [
                f"`{source['function']}`, its layer without bytecode (as Lambda would load it)",
                ms(source["ms"]),
                ms(source["import_ms"]),
                f"{source['ratio']:.2f}",
                "",
            ]
        )
        secret = cold["signing_secret"]
        read_by = ", ".join(f"`{job}`" for job in secret["read_by"]) or "none"
        imports = [
            [f"`{entry['module']}`", ms(entry["self_ms"]), ms(entry["cumulative_ms"])]
            for entry in cold["worst_imports"]
        ]
        packages = list(cold["worst_imports_by_package"].items())[:6]
        by_package = ", ".join(f"{name} {value:.0f} ms" for name, value in packages)
        return [
            f"### Cold start (median of {cold['runs']} fresh Python {cold['python']} processes each)",
            "",
            "Each process imports the handler and serves one request against the embedded DynamoDB;"
            " floor, references (bench/references) and functions run interleaved in one run (ms):",
            "",
            *table(["process", "ms", "of which import", "× floor", "× framework"], rows),
            "",
            f"The signing secret's first read adds {ms(secret['ms'])} ms to a cold start"
            f" ({ms(secret['import_ms'])} ms of it importing Powertools' parameters utility and blog.keys;"
            " the rest the Secrets Manager client and one GetSecretValue on the embedded moto server)."
            f" It is read on first need: the representative requests of {read_by} read it, and are"
            " measured with it above.",
            "",
            f"The ten costliest imports of `{cold['worst']}` that the floor does not import"
            " (`-X importtime`, during import and first request):",
            "",
            *table(["module", "self ms", "cumulative ms"], imports),
            "",
            f"Self time beyond the floor by package: {by_package}.",
        ]

    def snapstart(self) -> list[str]:
        snap = self.results["snapstart"]
        rows = [
            [
                f"`{job}`",
                ms(v["restored_ms"]),
                ms(v["warm_p50_ms"]),
                f"{v['ratio']:.2f}",
                "met" if v["ratio"] <= RESTORE_RATIO else "**not met**",
                ms(v["unprimed_ms"]),
                f"{v['unprimed_ratio']:.2f}",
                f"{v['page_faults']} / {v['warm_page_faults']}",
                ms(v["memory_restore_ms"]),
                f"{v['without_memory_restore_ratio']:.2f}",
                f"{ms(v['dynamodb_ms'])} / {ms(v['warm_dynamodb_p50_ms'])}",
                f"{v['with_warm_dynamodb_ratio']:.2f}",
            ]
            for job, v in sorted(snap["functions"].items(), key=lambda item: -item[1]["ratio"])
        ]
        header = ["function", "first request after restore", "warm p50", "× warm p50", f"≤ {RESTORE_RATIO}×"]
        header += ["unprimed first request", "× warm p50", "page faults: first / warm", "their cost"]
        header += ["× warm p50 without it", "DynamoDB: first / warm", "× warm p50, DynamoDB as warm"]
        return [
            f"### SnapStart, restore simulated (median of {snap['rounds']} restores per function)",
            "",
            "A process runs the function's init and its priming (blog/priming.py), then forks; the child,"
            " standing for an environment restored from the snapshot, serves the first request. Warm p50:"
            f" {snap['warm_requests']} requests the parent serves afterwards. Unprimed: the same without"
            " priming, the first-request part of a cold start. Against the embedded DynamoDB (ms;"
            f" {snap['discarded']} processes run again after a failed first request,"
            f" {snap['warm_failed']} failed warm requests left out). Page faults: the pages the first"
            " request copies from the snapshot's memory (a warm request's median beside it), and their"
            " cost at the time the child measured for one; without it, what priming could still take off."
            " DynamoDB: the first request's calls (a new connection after the restore) and a warm one's;"
            " the last column times the first request's calls as a warm request's:",
            "",
            *table(header, rows, "lrrrlrrrrrrr"),
        ]

    def list_page(self) -> list[str]:
        page = self.results["list_page"]
        rows = [
            ["200 bytes", page["short_bytes"]],
            ["100 KB", page["long_bytes"]],
            ["ratio", f"{page['ratio']:.3f}"],
        ]
        return [
            "### Bytes per list page",
            "",
            "The HTTP answer of the Query behind `GET /posts` (a page of 20 posts), by the length of the"
            " posts' bodies:",
            "",
            *table(["post bodies", "bytes"], rows),
        ]

    def comment_writes(self) -> list[str]:
        writes = self.results["comment_writes"]
        short, long = writes["short"], writes["long"]
        rows = [[part, short["parts"].get(part, 0), long["parts"].get(part, 0)] for part in short["parts"]]
        rows += [[part, 0, size] for part, size in long["parts"].items() if part not in short["parts"]]
        rows += [
            ["**total**", short["bytes"], long["bytes"]],
            ["ratio", "", f"{writes['ratio']:.3f}"],
        ]
        header = ["written", f"{short['post_bytes']:,}-byte post", f"{long['post_bytes']:,}-byte post"]
        return [
            "### Bytes written per comment",
            "",
            "What DynamoDB writes for one approved comment, by item and by each index's copy of it"
            " (an item at its full size after the write, as DynamoDB bills an update), on a post of"
            " each size (its head and body items):",
            "",
            *table(header, rows),
        ]

    def local_api(self) -> list[str]:
        rows = [
            [
                f"`{route}`",
                v["requests"],
                ms(v["p50_ms"]),
                ms(v["p99_ms"]),
                ms(v["dynamodb_p50_ms"]),
                ms(v["overhead_ms"]),
            ]
            for route, v in self.results["local_api"].items()
        ]
        return [
            "### Local API (`python -m local serve`)",
            "",
            "Each request over HTTP, then the DynamoDB call it makes, made directly; in the same run (ms):",
            "",
            *table(["route", "requests", "p50", "p99", "DynamoDB p50", "p50 − DynamoDB p50"], rows),
        ]

    def local_api_load(self) -> list[str]:
        load = self.results["local_api_load"]
        rows = [
            [
                f"`{route}`",
                clients,
                v["requests"],
                ms(v["p50_ms"]),
                ms(v["p99_ms"]),
                f"{v['dynamodb_share']:.0%}",
                ", ".join(f"{n} × {status}" for status, n in sorted(v["failures"].items())) or "none",
            ]
            for route, levels in load["routes"].items()
            for clients, v in levels.items()
        ]
        return [
            "### Local API under concurrent clients",
            "",
            "Clients at once, each from an address of its own on a kept-alive connection, against"
            f" `python -m local serve` (at most {load['max_concurrency']} workers per function, its"
            " default; the stage's throttling lifted). The DynamoDB share is the embedded DynamoDB's"
            " time, its queue included, over the time the clients waited (ms):",
            "",
            *table(["route", "clients", "requests", "p50", "p99", "DynamoDB share", "not a success"], rows),
        ]

    def growth(self) -> list[str]:
        rows = []
        labels = {"posts": ("post", "posts"), "comments": ("comment on the post", "comments on the post")}
        for kind, (one, many) in labels.items():
            for size, point in self.results["growth"][kind].items():
                listed, read = point["list"], point["get"]
                rows.append(
                    [
                        f"{int(size):,} {one if int(size) == 1 else many}",
                        ms(listed["ms"]),
                        ms(listed["handler_ms"]),
                        listed["response_bytes"],
                        ms(read["ms"]),
                        ms(read["handler_ms"]),
                        read["response_bytes"],
                    ]
                )
        header = ["data", "list ms", "list ms without DynamoDB", "list bytes"]
        header += ["get ms", "get ms without DynamoDB", "get bytes"]
        return [
            "### As the data grows",
            "",
            "`GET /posts` and `GET /posts/{slug}`, warm, handlers in process (medians): the whole request,"
            " the part that is not the DynamoDB call, and the bytes DynamoDB answered with. moto scans the"
            " whole table for every Query, so its time grows with the table; DynamoDB's does not.",
            "",
            *table(header, rows),
        ]

    def wxr_import(self) -> list[str]:
        found = self.results["wxr_import"]
        return [
            "WordPress import (`blogctl import-wxr` into the embedded DynamoDB; peak memory of its process):",
            "",
            *table(
                [
                    "export",
                    "MB",
                    "seconds",
                    "items/s",
                    "peak MB",
                    "peak MB, a tenth of it",
                    "blogctl alone MB",
                ],
                [
                    [
                        f"{found['posts']} posts, {found['comments']} comments",
                        found["file_mb"],
                        found["seconds"],
                        found["items_per_second"],
                        found["peak_mb"],
                        found["tenth_peak_mb"],
                        found["floor_mb"],
                    ]
                ],
            ),
        ]

//! The assessment report (`ledger report`), the spreadsheet exports
//! (`scores --format csv|xlsx`, `scores --trend`) and the Markdown
//! derivation (`explain --format md`), on the demonstration ledger; and the
//! report opened in a real browser where chromium is installed.

use crate::support::{Env, demo_env};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The attributes of an HTML start tag (`<tag a="1" b="2">` from its
/// first attribute on), unescaped for the few entities the report uses.
fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].rsplit(|c: char| c.is_whitespace()).next().unwrap_or("").to_owned();
        let after = &rest[eq + 2..];
        let end = after.find('"').unwrap();
        let value = after[..end]
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        out.insert(name, value);
        rest = &after[end + 1..];
    }
    out
}

/// Every start tag that begins with `prefix`, with its attributes, and
/// where it is in the text.
fn tags<'a>(html: &'a str, prefix: &'a str) -> impl Iterator<Item = (usize, BTreeMap<String, String>)> + 'a {
    html.match_indices(prefix).map(move |(at, _)| {
        let end = html[at..].find('>').unwrap();
        (at, attributes(&html[at + prefix.len()..at + end]))
    })
}

/// The texts of an SVG's `<text>` elements, trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.match_indices("<text")
        .filter_map(|(at, _)| {
            let body = &svg[at..];
            let start = body.find('>')? + 1;
            let end = body.find("</text>")?;
            Some(body[start..end].trim().to_owned())
        })
        .collect()
}

/// The units of the report's article cards: (period, unit) -> (card
/// attributes, indicator id -> row attributes).
type Cards = BTreeMap<(String, String), (BTreeMap<String, String>, BTreeMap<String, BTreeMap<String, String>>)>;

fn cards(html: &str) -> Cards {
    let mut out = Cards::new();
    for (at, card) in tags(html, "<article class=\"unit\"") {
        let end = at + html[at..].find("</article>").unwrap();
        let body = &html[at..end];
        let rows =
            tags(body, "<tr").filter_map(|(_, row)| row.get("data-indicator").cloned().map(|id| (id, row))).collect();
        out.insert((card["data-period"].clone(), card["data-unit"].clone()), (card, rows));
    }
    out
}

#[test]
fn the_report_shows_every_unit_indicator_and_composite_as_scores_does() {
    let env = demo_env();
    let run = env.run(&["report", "--all-periods", "--out", "report.html"]).ok();
    assert!(run.stdout.contains("written to report.html"), "{}", run.stdout);
    let html = std::fs::read_to_string(env.path("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("data-verified=\"true\"") && !html.contains("id=\"unverified\""));
    let cards = cards(&html);
    let mut periods = 0;
    for period in ["2018", "2019", "2020", "2021", "2022"] {
        let board = env.run(&["scores", "--period", period, "--json"]).ok().json();
        periods += 1;
        let units = board["units"].as_array().unwrap();
        assert!(units.len() >= 13, "{period}");
        for u in units {
            let id = u["unit"].as_str().unwrap();
            let (card, rows) =
                cards.get(&(period.to_owned(), id.to_owned())).unwrap_or_else(|| panic!("{period} {id}"));
            assert_eq!(card["data-score"], u["score"].as_str().unwrap(), "{period} {id}");
            let rank = u["rank"].as_u64().map(|r| r.to_string()).unwrap_or_default();
            assert_eq!(card["data-rank"], rank, "{period} {id}");
            // The names as of the period's year, in both languages.
            for name in ["name_zh", "name"] {
                let n = u[name].as_str().unwrap();
                assert!(html.contains(n), "{period} {id}: {n}");
            }
            let indicators = u["indicators"].as_array().unwrap();
            assert_eq!(rows.len(), indicators.len(), "{period} {id}");
            for i in indicators {
                let row = &rows[i["indicator"].as_str().unwrap()];
                assert_eq!(row["data-score"], i["score"].as_str().unwrap(), "{period} {id} {}", i["indicator"]);
                assert_eq!(row["data-value"], i["value"].as_str().unwrap_or(""), "{period} {id} {}", i["indicator"]);
            }
        }
        assert_eq!(cards.keys().filter(|(p, _)| p == period).count(), units.len(), "{period}: no card more");
        // The ranking chart shows every composite of the period.
        let section = &html[html.find(&format!("id=\"period-{period}\"")).unwrap()..];
        let chart = svg_texts(&section[..section.find("</svg>").unwrap()]);
        for u in units.iter().filter(|u| u["rank"].is_u64()) {
            let score = u["score"].as_str().unwrap();
            assert!(chart.iter().any(|t| t.starts_with(score)), "{period}: {} {score} in {chart:?}", u["unit"]);
        }
    }
    assert_eq!(periods, 5);
    // Self-contained: nothing to fetch, nothing to run.
    for banned in ["<script", "<link", "<img", "<iframe", "url(", "@import", "https://", "src="] {
        assert!(!html.contains(banned), "{banned}");
    }
    assert_eq!(html.matches("http://").count(), html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count());
    assert!(html.contains("default-src 'none'"), "a policy that forbids loading anything");
    // Chinese with English alongside, amounts with their units of measure.
    for text in ["综合得分排名", "Ranked composite scores", "万元", "亿元", "距", "points short of", "最新检查点"]
    {
        assert!(html.contains(text), "{text}");
    }
    // The chain status: records and head, as `verify` reports them.
    let verify = env.run(&["verify", "--json"]).ok().json();
    let head = verify["head"].as_str().unwrap();
    assert!(html.contains(head), "head hash");
    // A summary of it at the top, before the first ranking.
    let summary = html.find("id=\"chain-summary\"").unwrap();
    assert!(summary < html.find("id=\"period-").unwrap());
    let strip = &html[summary..summary + html[summary..].find("</div>").unwrap()];
    assert!(strip.contains(&head[..16]) && strip.contains(&format!("{} 条记录", verify["events"])), "{strip}");
    assert!(
        html.contains("更正与异议带来的数值变更") && html.contains("class=\"tag warn\">更正"),
        "a correction is shown"
    );
}

#[test]
fn one_period_in_one_language() {
    let env = demo_env();
    env.run(&["report", "--period", "2022", "--lang", "en", "--out", "en.html"]).ok();
    let html = std::fs::read_to_string(env.path("en.html")).unwrap();
    let cards = cards(&html);
    assert!(cards.keys().all(|(p, _)| p == "2022") && cards.len() >= 15);
    assert!(
        html.contains("<html lang=\"en\">")
            && !html.contains("综合得分排名")
            && html.contains("Ranked composite scores")
    );
    assert!(html.contains("id=\"trend\""), "the trends cover every period");
    env.run(&["report", "--period", "2031", "--out", "x.html"]).refused("no period \"2031\"");
    assert!(!env.path("x.html").exists());
}

/// The 2022 report carries the process component as `scores` gives it,
/// each unit's in-year record, the policy measures and the land use.
#[test]
fn the_report_shows_process_assessment_measures_and_land_use() {
    let env = demo_env();
    env.run(&["report", "--period", "2022", "--lang", "en", "--out", "p.html"]).ok();
    let html = std::fs::read_to_string(env.path("p.html")).unwrap();
    let board = env.run(&["scores", "--period", "2022", "--json"]).ok().json();
    let shanghe = board["units"].as_array().unwrap().iter().find(|u| u["unit"] == "shanghe").unwrap();
    // every part of Shanghe's process component, with its points as scored
    let parts: Vec<(String, String)> = shanghe["process"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap().to_owned(), p["score"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(parts.len(), 2);
    let card = html.find("data-unit=\"shanghe\"").unwrap();
    let card = &html[card..card + html[card..].find("</article>").unwrap()];
    for (id, score) in &parts {
        assert!(
            card.contains(&format!("data-part=\"{id}\" data-score=\"{score}\"")),
            "{id} {score} not in Shanghe's card"
        );
    }
    // the in-year record: Shanghe's late and missing reports and its overdue finding
    assert!(html.contains("id=\"process-2022\"") && html.contains("Process assessment: in-year monitoring"));
    let row = html.find("data-process-unit=\"Shanghe County\"").unwrap();
    let row = &html[row..row + html[row..].find("</tr>").unwrap()];
    assert!(row.contains("2022-Q2 #9 late") && row.contains("2022-Q4 #9 missing"), "{row}");
    assert!(row.contains("sup-2022-3 (overdue, 2022-12-15)"), "{row}");
    // policy measures and land use of the period
    assert!(html.contains("id=\"monitoring-2022\"") && html.contains("Project approvals in one visit"));
    assert!(html.contains("Supplied (ha)"));
    // no process section for a period without rounds or findings
    env.run(&["report", "--period", "2019", "--out", "p19.html"]).ok();
    assert!(!std::fs::read_to_string(env.path("p19.html")).unwrap().contains("id=\"process-2019\""));
}

#[test]
fn a_report_of_a_ledger_that_fails_verification_says_so_in_red() {
    let env = demo_env();
    // One hex digit of a signature: the record no longer hashes to its
    // stored hash (nor verifies).
    env.tamper(|c| {
        let s: String = c.query_row("SELECT signatures FROM records WHERE seq = 200", [], |r| r.get(0)).unwrap();
        let i = s.find("\"sig\":\"").unwrap() + 7;
        let mut b = s.into_bytes();
        b[i] = if b[i] == b'a' { b'b' } else { b'a' };
        c.execute("UPDATE records SET signatures = ?1 WHERE seq = 200", [String::from_utf8(b).unwrap()]).unwrap();
    });
    let run = env.run(&["report", "--period", "2022", "--out", "bad.html"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("LEDGER FAILS VERIFICATION"), "{}", run.stdout);
    let html = std::fs::read_to_string(env.path("bad.html")).unwrap();
    let banner = html.find("id=\"unverified\"").expect("a banner");
    assert!(banner < html.find("<header class=\"cover\"").unwrap(), "at the top");
    assert!(html.contains("data-verified=\"false\"") && html.contains(".banner.fail { background: var(--fail)"));
    assert!(cards(&html).is_empty(), "no numbers from it");
    let run = env.run(&["report", "--period", "2022", "--out", "bad.html", "--allow-unverified"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let html = std::fs::read_to_string(env.path("bad.html")).unwrap();
    assert!(html.contains("id=\"unverified\"") && !cards(&html).is_empty());
}

#[test]
fn scores_as_csv_xlsx_and_a_trend() {
    let env = demo_env();
    let board = env.run(&["scores", "--period", "2022", "--json"]).ok().json();
    let csv = env.run(&["scores", "--period", "2022", "--format", "csv"]).ok().stdout;
    let csv = csv.strip_prefix('\u{feff}').expect("a BOM for spreadsheet programs");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..5], ["排名", "单位代码", "单位", "英文名称", "综合得分"]);
    assert!(header.contains(&"1 新经济占比"), "{header:?}");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let units = board["units"].as_array().unwrap();
    assert_eq!(rows.len(), units.len());
    let first_indicator = header.iter().position(|h| h.starts_with("1 ")).unwrap();
    for (row, u) in rows.iter().zip(units) {
        assert_eq!(row[1], u["unit"].as_str().unwrap());
        assert_eq!(row[4], u["score"].as_str().unwrap());
        assert_eq!(row[first_indicator], u["indicators"][0]["score"].as_str().unwrap());
    }
    env.run(&["scores", "--period", "2022", "--format", "xlsx", "--out", "s.xlsx"]).ok();
    let xlsx = std::fs::read(env.path("s.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK\x03\x04") && xlsx.len() > 5000);
    env.run(&["scores", "--period", "2022", "--format", "xlsx"]).refused("XLSX");
    env.run(&["scores", "--period", "2022", "--format", "csv", "--json"]).refused("cannot be used with '--json'");
    let trend = env.run(&["scores", "--trend", "--json"]).ok().json();
    assert_eq!(trend["periods"], serde_json::json!(["2018", "2019", "2020", "2021", "2022"]));
    let lixia = trend["units"].as_array().unwrap().iter().find(|u| u["unit"] == "lixia").unwrap();
    assert_eq!(lixia["points"][4]["score"], units.iter().find(|u| u["unit"] == "lixia").unwrap()["score"]);
    let laiwu = trend["units"].as_array().unwrap().iter().find(|u| u["unit"] == "laiwu").unwrap();
    assert_eq!(laiwu["points"][0], Value::Null, "Laiwu joined in 2019");
    let text = env.run(&["scores", "--trend"]).ok().stdout;
    assert!(text.lines().next().unwrap().contains("2018") && text.contains("lixia"));
    let csv = env.run(&["scores", "--trend", "--format", "csv"]).ok().stdout;
    assert!(csv.lines().next().unwrap().contains("2022 综合得分"));
    env.run(&["scores", "--trend", "--period", "2022", "--format", "xlsx", "--out", "both.xlsx"]).ok();
    // A sheet per view: the scoreboard, the indicator detail, the trend (the
    // zip's directory names its parts uncompressed).
    let xlsx = std::fs::read(env.path("both.xlsx")).unwrap();
    let has = |name: &str| xlsx.windows(name.len()).any(|w| w == name.as_bytes());
    assert!(has("xl/worksheets/sheet3.xml") && !has("xl/worksheets/sheet4.xml"));
    env.run(&["scores", "--trend", "--period", "2022", "--format", "csv"]).refused("one table");
}

#[test]
fn explain_as_markdown() {
    let env = demo_env();
    let md = env.run(&["explain", "--period", "2022", "--unit", "shanghe", "--format", "md"]).ok().stdout;
    assert!(md.starts_with("# 商河县 Shanghe County · 2022"), "{}", &md[..200.min(md.len())]);
    assert!(md.contains("## 指标 Indicator 10 ·") && md.contains("```text") && md.contains("| #"), "{md}");
    let json = env.run(&["explain", "--period", "2022", "--unit", "shanghe", "--json"]).ok().json();
    assert!(md.contains(json["score"].as_str().unwrap()));
}

#[test]
fn the_demonstration_writes_its_report() {
    let env = Env::new();
    let run = env.run(&["demo", "--dir", "demo"]).ok();
    let line = run.stdout.lines().find(|l| l.starts_with("report: ")).unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(line.contains("demo/report.html"), "{line}");
    let html = std::fs::read_to_string(env.path("demo/report.html")).unwrap();
    let cards = cards(&html);
    for period in ["2018", "2019", "2020", "2021", "2022"] {
        let board = env.run(&["--db", "demo/ledger.db", "scores", "--period", period, "--json"]).ok().json();
        let units = board["units"].as_array().unwrap().len();
        assert_eq!(cards.keys().filter(|(p, _)| p == period).count(), units, "every unit of {period}");
    }
}

/// Runs chromium headless on a file with a deadline; its stderr.
fn chromium(args: &[String], deadline: Duration) -> (bool, String) {
    let mut child = Command::new("chromium")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let start = Instant::now();
    let ok = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.success();
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (ok, reader.join().unwrap())
}

/// Lines of chromium's log that are the page's console messages or
/// refusals (an error, a blocked load, a violated policy).
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Refused to")
                || l.contains("Failed to load")
                || l.contains("Uncaught")
                || l.contains("net::ERR_")
        })
        .collect()
}

#[test]
fn the_report_opens_in_a_browser_without_console_errors() {
    let found = Command::new("chromium").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !found.is_ok_and(|s| s.success()) {
        crate::support::missing_tool("chromium", "the browser test of the report");
        return;
    }
    let env = demo_env();
    env.run(&["report", "--period", "2022", "--out", "report.html"]).ok();
    let page = format!("file://{}", env.path("report.html").display());
    let profile = tempfile::tempdir().unwrap();
    let common = |extra: &str| -> Vec<String> {
        [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("--user-data-dir={}", profile.path().display()), extra.to_owned(), page.clone()])
        .collect()
    };
    let png = env.path("report.png");
    let mut shot = common(&format!("--screenshot={}", png.display()));
    shot.insert(0, "--window-size=1280,2400".into());
    let (ok, stderr) = chromium(&shot, Duration::from_secs(90));
    assert!(ok, "chromium --screenshot failed:\n{stderr}");
    assert_eq!(console_errors(&stderr), Vec::<&str>::new(), "{stderr}");
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000, "a screenshot with something on it");
    let pdf = env.path("report.pdf");
    let mut print = common(&format!("--print-to-pdf={}", pdf.display()));
    print.insert(0, "--no-pdf-header-footer".into());
    let (ok, stderr) = chromium(&print, Duration::from_secs(90));
    assert!(ok, "chromium --print-to-pdf failed:\n{stderr}");
    assert_eq!(console_errors(&stderr), Vec::<&str>::new(), "{stderr}");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF") && bytes.len() > 20_000);
    // Pages of A4: 210 x 297 mm, 595.3 x 841.9 points.
    let text = String::from_utf8_lossy(&bytes);
    let boxes: Vec<Vec<f64>> = text
        .match_indices("/MediaBox")
        .map(|(at, _)| {
            let rest = &text[at + "/MediaBox".len()..];
            let inner = &rest[rest.find('[').unwrap() + 1..rest.find(']').unwrap()];
            inner.split_whitespace().map(|n| n.parse().unwrap()).collect()
        })
        .collect();
    assert!(boxes.len() >= 3, "pages: {}", boxes.len());
    for b in &boxes {
        assert!((b[2] - b[0] - 595.3).abs() < 1.0 && (b[3] - b[1] - 841.9).abs() < 1.0, "A4 pages: {b:?}");
    }
    if let Ok(dir) = std::env::var("LEDGER_REPORT_SCREENSHOTS") {
        let _ = std::fs::copy(&png, Path::new(&dir).join("report-2022.png"));
        let _ = std::fs::copy(&pdf, Path::new(&dir).join("report-2022.pdf"));
    }
}

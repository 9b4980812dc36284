//! The small part of Markdown that lessons use, rendered into Yew nodes.
//!
//! Lesson text is written by instructors and may come from any file, so it
//! is never handed to the browser as HTML: it is parsed here into a few
//! block and inline kinds and every piece of text becomes a text node (Yew
//! escapes it). Links keep their `href` only for `http://` and `https://`
//! addresses; anything else (`javascript:` …) is shown as plain text.
//!
//! Supported (a deliberate subset of CommonMark): paragraphs, `#` headings,
//! fenced code blocks, bullet (`-`, `*`, `+`) and numbered (`1.`, `1)`)
//! lists whose items may continue on indented lines, `**strong**`,
//! `*emphasis*` / `_emphasis_`, `` `code` ``, `[text](url)` and backslash
//! escapes. Anything else is shown as written.

use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(Vec<Inline>),
    Em(Vec<Inline>),
    /// `href` is `None` unless the address is http(s).
    Link {
        text: Vec<Inline>,
        href: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Heading(u8, Vec<Inline>),
    Para(Vec<Inline>),
    Code(String),
    List { ordered: bool, start: u64, items: Vec<Vec<Inline>> },
}

/// A list item marker at the start of `line`: (ordered, number, rest).
fn list_marker(line: &str) -> Option<(bool, u64, &str)> {
    let t = line.trim_start();
    if line.len() - t.len() > 3 {
        return None;
    }
    for m in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(m) {
            return Some((false, 0, rest));
        }
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = &t[digits..];
    let rest = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "))?;
    Some((true, t[..digits].parse().ok()?, rest))
}

fn heading(line: &str) -> Option<(u8, &str)> {
    let t = line.trim_start();
    let level = t.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&level) {
        let rest = &t[level..];
        if rest.is_empty() || rest.starts_with(' ') {
            return Some((level as u8, rest.trim()));
        }
    }
    None
}

/// Parses Markdown into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim_start();
        if t.is_empty() {
            i += 1;
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            let fence = &t[..3];
            let mut code = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with(fence) {
                code.push(lines[i]);
                i += 1;
            }
            i += 1; // the closing fence (or the end)
            blocks.push(Block::Code(code.join("\n")));
            continue;
        }
        if let Some((level, rest)) = heading(line) {
            blocks.push(Block::Heading(level, inline(rest)));
            i += 1;
            continue;
        }
        if let Some((ordered, start, _)) = list_marker(line) {
            let mut items: Vec<String> = Vec::new();
            while i < lines.len() {
                let l = lines[i];
                match list_marker(l) {
                    Some((o, _, rest)) if o == ordered => items.push(rest.trim().to_string()),
                    Some(_) => break,
                    None if l.trim().is_empty() => {
                        // A blank line ends the list unless the next line is an item.
                        if lines.get(i + 1).is_some_and(|n| list_marker(n).is_some_and(|m| m.0 == ordered)) {
                            i += 1;
                            continue;
                        }
                        break;
                    }
                    None if l.starts_with(' ') || l.starts_with('\t') || heading(l).is_none() => {
                        // A continuation of the item (indented, or lazy).
                        if let Some(last) = items.last_mut() {
                            last.push(' ');
                            last.push_str(l.trim());
                        }
                    }
                    None => break,
                }
                i += 1;
            }
            blocks.push(Block::List { ordered, start, items: items.iter().map(|s| inline(s)).collect() });
            continue;
        }
        let mut para: Vec<&str> = Vec::new();
        while i < lines.len() {
            let l = lines[i];
            let lt = l.trim_start();
            if lt.is_empty() || heading(l).is_some() || lt.starts_with("```") || lt.starts_with("~~~") || (!para.is_empty() && list_marker(l).is_some()) {
                break;
            }
            para.push(l.trim());
            i += 1;
        }
        blocks.push(Block::Para(inline(&para.join(" "))));
    }
    blocks
}

/// Whether a link target may become an `href`.
fn safe_href(url: &str) -> Option<String> {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !u.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    ok.then(|| u.to_string())
}

/// Parses the inline part of a block.
pub fn inline(s: &str) -> Vec<Inline> {
    let chars: Vec<char> = s.chars().collect();
    parse_inline(&chars)
}

fn find(chars: &[char], from: usize, pat: &[char]) -> Option<usize> {
    (from..=chars.len().checked_sub(pat.len())?).find(|&i| chars[i..i + pat.len()] == *pat && (i == 0 || chars[i - 1] != '\\'))
}

fn is_word(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric())
}

fn parse_inline(chars: &[char]) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    let mut text = String::new();
    let flush = |text: &mut String, out: &mut Vec<Inline>| {
        if !text.is_empty() {
            out.push(Inline::Text(std::mem::take(text)));
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1).is_some_and(|n| n.is_ascii_punctuation()) => {
                text.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '`' => {
                let ticks = chars[i..].iter().take_while(|c| **c == '`').count();
                let pat = vec!['`'; ticks];
                if let Some(end) = (i + ticks..=chars.len().saturating_sub(ticks)).find(|&j| chars[j..j + ticks] == *pat) {
                    flush(&mut text, &mut out);
                    let code: String = chars[i + ticks..end].iter().collect();
                    let trimmed =
                        if code.starts_with(' ') && code.ends_with(' ') && !code.trim().is_empty() { code[1..code.len() - 1].to_string() } else { code };
                    out.push(Inline::Code(trimmed));
                    i = end + ticks;
                    continue;
                }
                text.extend(&chars[i..i + ticks]);
                i += ticks;
                continue;
            }
            '*' | '_' if chars.get(i + 1) == Some(&c) => {
                let pat = [c, c];
                if let Some(end) = find(chars, i + 2, &pat).filter(|&e| e > i + 2) {
                    flush(&mut text, &mut out);
                    out.push(Inline::Strong(parse_inline(&chars[i + 2..end])));
                    i = end + 2;
                    continue;
                }
            }
            '*' | '_' => {
                // `_` inside a word (snake_case) is not emphasis.
                let opens = chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) && !(c == '_' && is_word(i.checked_sub(1).and_then(|p| chars.get(p))));
                if opens {
                    let end = (i + 1..chars.len()).find(|&j| {
                        chars[j] == c
                            && chars[j - 1] != '\\'
                            && !chars[j - 1].is_whitespace()
                            && chars.get(j + 1) != Some(&c)
                            && (j == 0 || chars[j - 1] != c)
                            && !(c == '_' && is_word(chars.get(j + 1)))
                    });
                    if let Some(end) = end.filter(|&e| e > i + 1) {
                        flush(&mut text, &mut out);
                        out.push(Inline::Em(parse_inline(&chars[i + 1..end])));
                        i = end + 1;
                        continue;
                    }
                }
            }
            '[' => {
                if let Some(close) = find(chars, i + 1, &[']', '(']) {
                    if let Some(end) = find(chars, close + 2, &[')']) {
                        flush(&mut text, &mut out);
                        let url: String = chars[close + 2..end].iter().collect();
                        out.push(Inline::Link { text: parse_inline(&chars[i + 1..close]), href: safe_href(&url) });
                        i = end + 1;
                        continue;
                    }
                }
            }
            _ => {}
        }
        text.push(c);
        i += 1;
    }
    flush(&mut text, &mut out);
    out
}

fn inline_html(parts: &[Inline]) -> Html {
    parts
        .iter()
        .map(|p| match p {
            Inline::Text(t) => html! { { t.clone() } },
            Inline::Code(c) => html! { <code>{ c.clone() }</code> },
            Inline::Strong(v) => html! { <strong>{ inline_html(v) }</strong> },
            Inline::Em(v) => html! { <em>{ inline_html(v) }</em> },
            Inline::Link { text, href: Some(h) } => html! { <a href={h.clone()} target="_blank" rel="noopener noreferrer">{ inline_html(text) }</a> },
            Inline::Link { text, href: None } => inline_html(text),
        })
        .collect()
}

/// One line of inline Markdown (a goal, a choice) as Yew nodes.
pub fn inline_text(s: &str) -> Html {
    inline_html(&inline(s))
}

/// Markdown as Yew nodes (never as HTML text).
pub fn render(text: &str) -> Html {
    parse(text)
        .into_iter()
        .map(|b| match b {
            Block::Heading(level, parts) => {
                // Lesson headings sit under the step's own heading.
                let tag = format!("h{}", (level + 2).min(6));
                html! { <@{tag} class="md-heading">{ inline_html(&parts) }</@> }
            }
            Block::Para(parts) => html! { <p>{ inline_html(&parts) }</p> },
            Block::Code(code) => html! { <pre class="md-code"><code>{ code }</code></pre> },
            Block::List { ordered: false, items, .. } => html! { <ul>{ for items.iter().map(|it| html! { <li>{ inline_html(it) }</li> }) }</ul> },
            Block::List { ordered: true, start, items } => {
                html! { <ol start={start.to_string()}>{ for items.iter().map(|it| html! { <li>{ inline_html(it) }</li> }) }</ol> }
            }
        })
        .collect()
}

/// Markdown reduced to plain text (what the tests compare).
#[cfg(test)]
pub fn plain(text: &str) -> String {
    fn flat(parts: &[Inline], out: &mut String) {
        for p in parts {
            match p {
                Inline::Text(t) | Inline::Code(t) => out.push_str(t),
                Inline::Strong(v) | Inline::Em(v) | Inline::Link { text: v, .. } => flat(v, out),
            }
        }
    }
    let mut out = String::new();
    for b in parse(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        match b {
            Block::Heading(_, p) | Block::Para(p) => flat(&p, &mut out),
            Block::Code(c) => out.push_str(&c),
            Block::List { items, .. } => {
                for it in items {
                    flat(&it, &mut out);
                    out.push(' ');
                }
            }
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Inline {
        Inline::Text(s.into())
    }

    #[test]
    fn inline_kinds() {
        assert_eq!(
            inline("a **b** *c* `d` _e_"),
            vec![t("a "), Inline::Strong(vec![t("b")]), t(" "), Inline::Em(vec![t("c")]), t(" "), Inline::Code("d".into()), t(" "), Inline::Em(vec![t("e")])]
        );
        assert_eq!(inline("**`acks=1`**"), vec![Inline::Strong(vec![Inline::Code("acks=1".into())])]);
        // No closing delimiter: the text as written.
        assert_eq!(inline("2 * 3 and **open"), vec![t("2 * 3 and **open")]);
        // snake_case and escapes stay text.
        assert_eq!(inline("min_insync_replicas \\*x\\*"), vec![t("min_insync_replicas *x*")]);
        assert_eq!(inline("``a ` b``"), vec![Inline::Code("a ` b".into())]);
    }

    #[test]
    fn links_keep_only_http_addresses() {
        assert_eq!(
            inline("[KIP-101](https://cwiki.apache.org/KIP-101)"),
            vec![Inline::Link { text: vec![t("KIP-101")], href: Some("https://cwiki.apache.org/KIP-101".into()) }]
        );
        assert_eq!(inline("[x](javascript:alert(1))"), vec![Inline::Link { text: vec![t("x")], href: None }, t(")")]);
        assert_eq!(inline("[x](JavaScript:alert)"), vec![Inline::Link { text: vec![t("x")], href: None }]);
        assert_eq!(inline("[x](/local)"), vec![Inline::Link { text: vec![t("x")], href: None }]);
    }

    #[test]
    fn blocks() {
        let md = "# Title\n\nOne\ntwo.\n\n1. first\n2. second,\n   continued\n3. third\n\n- a\n- b\n\n```toml\nacks = \"all\"\n<b>\n```\nafter";
        assert_eq!(
            parse(md),
            vec![
                Block::Heading(1, vec![t("Title")]),
                Block::Para(vec![t("One two.")]),
                Block::List { ordered: true, start: 1, items: vec![vec![t("first")], vec![t("second, continued")], vec![t("third")]] },
                Block::List { ordered: false, start: 0, items: vec![vec![t("a")], vec![t("b")]] },
                Block::Code("acks = \"all\"\n<b>".into()),
                Block::Para(vec![t("after")]),
            ]
        );
    }

    #[test]
    fn plain_text() {
        assert_eq!(plain("With **`acks=all`** and\n*two* replicas."), "With acks=all and two replicas.");
    }

    #[test]
    fn every_built_in_lesson_parses_without_losing_text() {
        // Every word of every narrative survives rendering (no text is
        // swallowed by a delimiter that did not close).
        for (path, text) in streamlab_core::lesson::BUILTIN_LESSONS {
            let l = streamlab_core::lesson::parse(path, text, &streamlab_core::lesson::builtin_scenario).unwrap();
            for s in &l.steps {
                if let streamlab_core::lesson::StepKind::Narrative(n) = &s.kind {
                    let p = plain(n);
                    for w in n.split_whitespace().filter(|w| w.chars().all(char::is_alphanumeric)) {
                        assert!(p.contains(w), "{path} step {}: {w:?} lost in {p:?}", s.number);
                    }
                }
            }
        }
    }
}

//! HTML output without a template engine: one escaping function that every value from the
//! database or the request goes through, and the page frame (language attribute, skip link,
//! navigation, focus styles, language switch) that every page shares.
//!
//! Why hand-written rather than `maud`/`askama`: the pages are a handful of tables and forms,
//! and a proc-macro template crate would add a dependency and a compile step to a workspace that
//! several people build on two cores. The risk hand-written HTML brings — a value printed
//! unescaped — is contained by a rule the code keeps: dynamic text is only ever written through
//! [`esc`] (or [`attr`] inside attributes), and the tests feed `<script>` through the pages.

use std::fmt::Write as _;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use uppsok_model::fidelity::Lang;

use super::i18n::tr;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Same as [`esc`]; named apart so attribute uses stand out when reading a template.
pub fn attr(s: &str) -> String {
    esc(s)
}

/// Percent-encodes a query value (dates, ids, usernames, codes).
pub fn url_enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Which entry of the navigation is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Fidelity,
    Cost,
    Outcomes,
    Mileage,
    Devices,
    Audit,
    None,
}

/// What the frame needs to know about the request.
pub struct Frame<'a> {
    pub lang: Lang,
    pub title: &'a str,
    pub nav: Nav,
    /// The logged-in user's display name; `None` on the login page.
    pub user: Option<&'a str>,
    /// CSRF token for the logout form.
    pub csrf: Option<&'a str>,
    /// The current path and query without `lang`, for the language switch.
    pub here: &'a str,
    /// `?team=…` to keep on navigation links.
    pub team_query: &'a str,
    /// Whether the user may see the client-data pages (supervisors) or only devices and audit.
    pub supervisor: bool,
}

const STYLE: &str = r#"
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1a1a1a;background:#fff;line-height:1.45}
a{color:#0b4f9c}
a:focus,button:focus,input:focus,select:focus,summary:focus{outline:3px solid #c45100;outline-offset:2px}
.skip{position:absolute;left:-9999px}
.skip:focus{left:8px;top:8px;background:#fff;padding:6px;z-index:9}
header{background:#16324f;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;gap:12px;align-items:center;justify-content:space-between}
header a{color:#fff}
header .brand{font-weight:700;font-size:1.1rem;color:#fff;text-decoration:none}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
nav a{display:block;padding:6px 10px;border-radius:4px;text-decoration:none}
nav a[aria-current=page]{background:#fff;color:#16324f;font-weight:600}
header form{display:inline}
header button{background:transparent;color:#fff;border:1px solid #fff;border-radius:4px;padding:4px 10px;cursor:pointer}
main{padding:16px;max-width:1200px}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{border-bottom:1px solid #c8c8c8;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef2f6}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:4px 0}
.alert{border-left:6px solid #b3261e;background:#fdecea;padding:8px 12px;margin:.5rem 0 1rem}
.warn{border-left:6px solid #8a5300;background:#fff4e0;padding:8px 12px;margin:.5rem 0 1rem}
.ok{border-left:6px solid #1e6b34;background:#e7f4ea;padding:8px 12px;margin:.5rem 0 1rem}
.flag{color:#8b1a12;font-weight:600}
.muted{color:#555}
.rating{display:inline-block;min-width:2.2em;text-align:center;border-radius:4px;padding:2px 6px;font-weight:700;color:#fff}
.r1{background:#8b1a12}.r2{background:#a14300}.r3{background:#6b5b00}.r4{background:#2f6b1e}.r5{background:#1e5b2f}.r0{background:#555}
form.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-end;margin:.5rem 0 1rem}
form.filters label,form.stack label{display:flex;flex-direction:column;font-weight:600;font-size:.95rem}
input,select,button{font:inherit;padding:6px 8px;border:1px solid #767676;border-radius:4px}
button{background:#0b4f9c;color:#fff;border-color:#0b4f9c;cursor:pointer}
button.danger{background:#8b1a12;border-color:#8b1a12}
a.button{display:inline-block;padding:6px 8px;border:1px solid #0b4f9c;border-radius:4px;background:#0b4f9c;color:#fff;text-decoration:none}
a.button.danger{background:#8b1a12;border-color:#8b1a12}
form.stack{display:flex;flex-direction:column;gap:12px;max-width:22rem}
.card{border:1px solid #c8c8c8;border-radius:6px;padding:12px 16px;margin:0 0 16px}
.card h2{margin-top:0}
dl.def{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px}
dl.def dt{font-weight:600}
.lang a{margin-left:6px}
svg text{font-family:inherit}
svg,img{max-width:100%;height:auto}
.sub{display:block;font-size:.85rem;color:#555;font-weight:400}
.count{display:inline-block;margin-left:4px;padding:0 6px;border-radius:8px;background:#eef2f6;font-size:.85rem}
nav.pager ul{list-style:none;margin:0 0 1rem;padding:0;display:flex;flex-wrap:wrap;gap:6px}
nav.pager a,nav.pager span{display:inline-block;padding:4px 10px;border:1px solid #c8c8c8;border-radius:4px}
nav.pager span[aria-current]{background:#16324f;color:#fff;border-color:#16324f}
.error-page p{max-width:40rem}
/* Phones: below 600 px a table's rows become cards, each cell under its column's name
   (the data-label that label_cells adds); nothing may be wider than the screen. */
@media (max-width:600px){
body{overflow-wrap:anywhere}
header{padding:6px 10px;gap:6px}
nav a{padding:4px 8px}
main{padding:10px}
h1{font-size:1.3rem}
table,thead,tbody,tr,th,td,caption{display:block;width:auto}
thead tr{position:absolute;left:-9999px;top:auto}
tbody tr,table>tr{border:1px solid #c8c8c8;border-radius:6px;margin:0 0 10px;padding:6px 10px}
th,td{border:0;padding:2px 0}
tbody th{background:none;font-size:1.05rem}
td.num,th.num{text-align:left}
[data-label]::before{content:attr(data-label);display:block;font-weight:600;font-size:.8rem;color:#555}
td[data-label]{position:relative;padding-left:42%;min-height:1.6em}
td[data-label]::before{position:absolute;left:0;width:40%;padding-top:.15em;overflow-wrap:anywhere}
form.filters{flex-direction:column;align-items:stretch}
form.filters label{min-width:0}
input,select,button{max-width:100%}
form.filters select{width:100%}
fieldset{min-width:0;margin:0 0 8px;padding:6px}
form.outcome label{display:block}
dl.def{grid-template-columns:1fr}
dl.def dd{margin:0 0 6px}
}
/* Paper: no navigation, forms or colour fills; rows and cards are not split over pages. */
@media print{
@page{margin:15mm}
body{font-size:10pt;color:#000}
.skip,header nav,header form,header .lang,header a[href="/password"],form.filters,nav.pager,button,form{display:none!important}
header{background:none;color:#000;border-bottom:2px solid #000;padding:0 0 4px}
header a,header .brand{color:#000}
main{max-width:none;padding:0}
a{color:#000;text-decoration:none}
th{background:none}
thead{display:table-header-group}
tr,.card,svg,dl{break-inside:avoid}
.alert,.warn,.ok{background:none;border-left-width:3px}
.rating{color:#000;border:1px solid #000}
}
"#;

/// The whole page around `body`.
pub fn page(f: &Frame<'_>, body: &str) -> String {
    let l = f.lang;
    let lang = match l {
        Lang::Sv => "sv",
        Lang::En => "en",
    };
    let mut out = String::with_capacity(body.len() + 4096);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} – Uppsök</title><style>{STYLE}</style></head><body>\
         <a class=\"skip\" href=\"#main\">{}</a><header>\
         <a class=\"brand\" href=\"/\">Uppsök</a>",
        esc(f.title),
        tr(l, "Hoppa till innehållet", "Skip to content"),
    );
    if f.user.is_some() {
        let _ = write!(
            out,
            "<nav aria-label=\"{}\"><ul>",
            tr(l, "Huvudmeny", "Main menu")
        );
        let mut items: Vec<(Nav, &str, &str)> = Vec::new();
        if f.supervisor {
            items.push((
                Nav::Overview,
                "/overview",
                tr(l, "Teamöversikt", "Team overview"),
            ));
            items.push((
                Nav::Fidelity,
                "/fidelity",
                tr(l, "ACT-trohet", "ACT fidelity"),
            ));
            items.push((Nav::Outcomes, "/outcomes", tr(l, "Utfall", "Outcomes")));
            items.push((
                Nav::Cost,
                "/cost",
                tr(l, "Kostnad och resultat", "Cost and results"),
            ));
            items.push((
                Nav::Mileage,
                "/mileage",
                tr(l, "Körjournal och milersättning", "Mileage"),
            ));
        }
        items.push((Nav::Devices, "/devices", tr(l, "Telefoner", "Devices")));
        items.push((Nav::Audit, "/audit", tr(l, "Logguppföljning", "Access log")));
        for (nav, href, label) in items {
            let current = if nav == f.nav {
                " aria-current=\"page\""
            } else {
                ""
            };
            let _ = write!(
                out,
                "<li><a href=\"{href}{}\"{current}>{label}</a></li>",
                attr(f.team_query)
            );
        }
        out.push_str("</ul></nav>");
    }
    out.push_str("<div>");
    let sep = if f.here.contains('?') { '&' } else { '?' };
    let _ = write!(out, "<span class=\"lang\">{}", tr(l, "Språk:", "Language:"));
    for (code, name, hl) in [("sv", "Svenska", "sv"), ("en", "English", "en")] {
        if code == lang {
            let _ = write!(
                out,
                " <span lang=\"{hl}\" aria-current=\"true\">{name}</span>"
            );
        } else {
            let _ = write!(
                out,
                " <a lang=\"{hl}\" hreflang=\"{hl}\" href=\"{}{sep}lang={code}\">{name}</a>",
                attr(f.here)
            );
        }
    }
    out.push_str("</span>");
    if let (Some(user), Some(csrf)) = (f.user, f.csrf) {
        let _ = write!(
            out,
            " <span>{}</span> <a href=\"/password\">{}</a> <form method=\"post\" action=\"/logout\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\">{}</button></form>",
            esc(user),
            tr(l, "Byt lösenord", "Change password"),
            attr(csrf),
            tr(l, "Logga ut", "Log out")
        );
    }
    let _ = write!(
        out,
        "</div></header><main id=\"main\" tabindex=\"-1\"><h1>{}</h1>{}</main></body></html>",
        esc(f.title),
        label_cells(body)
    );
    out
}

/// Gives every body cell of a table with a `<thead>` the name of its column as `data-label`,
/// which the phone layout shows above the cell when rows become cards. Done here, once, on
/// the page's own markup (whose headers went through [`esc`], so they are safe inside a
/// quoted attribute), so no page has to repeat its headers cell by cell.
pub fn label_cells(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 8);
    let mut rest = body;
    while let Some(start) = rest.find("<table") {
        let Some(len) = rest[start..].find("</table>") else {
            break;
        };
        let end = start + len;
        out.push_str(&rest[..start]);
        label_table(&rest[start..end], &mut out);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// One `<table …>…` (without its closing tag) into `out`, cells labelled.
fn label_table(table: &str, out: &mut String) {
    let (Some(h0), Some(h1)) = (table.find("<thead"), table.find("</thead>")) else {
        out.push_str(table);
        return;
    };
    let mut labels = Vec::new();
    let mut head = &table[h0..h1];
    while let Some(i) = cell_start(head) {
        let Some(close) = head[i..].find('>') else {
            break;
        };
        let tag = &head[i..i + close];
        let inner_end = head[i..].find("</th>").map_or(head.len(), |e| i + e);
        let text = strip_tags(&head[i + close + 1..inner_end]);
        for _ in 0..colspan(tag) {
            labels.push(text.clone());
        }
        head = &head[inner_end..];
    }
    let split = h1 + "</thead>".len();
    out.push_str(&table[..split]);
    let mut col = 0;
    let mut rest = &table[split..];
    loop {
        let next_row = rest.find("<tr");
        let next_cell = cell_start(rest);
        match (next_row, next_cell) {
            (Some(r), c) if c.is_none_or(|c| r < c) => {
                out.push_str(&rest[..r + 3]);
                rest = &rest[r + 3..];
                col = 0;
            }
            (_, Some(c)) => {
                let tag_end = rest[c..].find('>').map_or(rest.len(), |e| c + e);
                let tag = &rest[c..tag_end];
                out.push_str(&rest[..c + 3]);
                if let Some(label) = labels.get(col).filter(|l| !l.is_empty())
                    && !tag.contains("data-label")
                {
                    let _ = write!(out, " data-label=\"{label}\"");
                }
                col += colspan(tag);
                rest = &rest[c + 3..];
            }
            _ => break,
        }
    }
    out.push_str(rest);
}

/// Where the next `<td` or `<th` tag starts (not `<thead`, `<tbody`).
fn cell_start(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find("<t").map(|i| from + i) {
        let b = s.as_bytes();
        if matches!(b.get(i + 2), Some(b'd' | b'h')) && matches!(b.get(i + 3), Some(b' ' | b'>')) {
            return Some(i);
        }
        from = i + 2;
    }
    None
}

fn colspan(tag: &str) -> usize {
    tag.split_once("colspan=\"")
        .and_then(|(_, v)| v.split('"').next())
        .and_then(|n| n.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(1)
}

/// The text of escaped markup without its tags, whitespace collapsed.
fn strip_tags(s: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A styled error page in the dashboard's frame: what happened in words, no personal data,
/// and a way back. `message` and `detail` are the dashboard's own texts.
pub fn error_page(lang: Lang, status: u16, here: &str, message: &str, detail: &str) -> String {
    let title = match status {
        400 | 422 => tr(lang, "Felaktig förfrågan", "Bad request"),
        403 => tr(lang, "Ingen behörighet", "Not allowed"),
        404 => tr(lang, "Sidan finns inte", "Page not found"),
        405 => tr(
            lang,
            "Det går inte att göra så här",
            "Not possible this way",
        ),
        413 => tr(lang, "För mycket data", "Too much data"),
        415 => tr(lang, "Formatet stöds inte", "Format not supported"),
        429 => tr(lang, "För många försök", "Too many attempts"),
        503 => tr(lang, "Tjänsten svarar inte just nu", "Service unavailable"),
        _ => tr(lang, "Något gick fel", "Something went wrong"),
    };
    let title = format!("{title} ({status})");
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>", esc(detail))
    };
    let body = format!(
        "<div class=\"error-page\"><p class=\"alert\">{}</p>{detail}\
         <p><a href=\"/\">{}</a> · <a href=\"/login\">{}</a></p></div>",
        esc(message),
        tr(lang, "Till startsidan", "To the start page"),
        tr(lang, "Logga in", "Log in"),
    );
    page(
        &Frame {
            lang,
            title: &title,
            nav: Nav::None,
            user: None,
            csrf: None,
            here,
            team_query: "",
            supervisor: false,
        },
        &body,
    )
}

/// An HTML response that is never cached (pages hold client data).
pub fn respond(html: String) -> Response {
    let mut r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    r
}

/// A hidden CSRF field for a form.
pub fn csrf_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        attr(token)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(url_enc("K-001 å&x"), "K-001%20%C3%A5%26x");
    }

    #[test]
    fn body_cells_are_labelled_with_their_column() {
        let t = "<p>x</p><table><caption>c</caption><thead><tr><th scope=\"col\">Kod</th>\
                 <th scope=\"col\" class=\"num\"><a href=\"?s=1\">Dagar</a> &amp; tid</th><th>Sista</th></tr></thead>\
                 <tbody><tr><th scope=\"row\">K-1</th><td class=\"num\">3</td><td>a</td></tr>\
                 <tr><td colspan=\"2\">tom</td><td>b</td></tr></tbody></table><table><tr><td>n</td></tr></table>";
        let out = label_cells(t);
        assert!(
            out.contains("<th data-label=\"Kod\" scope=\"row\">K-1</th>"),
            "{out}"
        );
        assert!(
            out.contains("<td data-label=\"Dagar &amp; tid\" class=\"num\">3</td>"),
            "{out}"
        );
        assert!(out.contains("<td data-label=\"Sista\">a</td>"), "{out}");
        assert!(
            out.contains(
                "<td data-label=\"Kod\" colspan=\"2\">tom</td><td data-label=\"Sista\">b</td>"
            ),
            "{out}"
        );
        assert!(
            out.ends_with("<table><tr><td>n</td></tr></table>"),
            "a table without a head is left alone"
        );
        assert!(
            out.contains("<thead><tr><th scope=\"col\">Kod</th>"),
            "the head is unchanged"
        );
        assert_eq!(strip_tags(t).len(), strip_tags(&out).len());
    }
}

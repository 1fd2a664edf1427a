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
        "</div></header><main id=\"main\" tabindex=\"-1\"><h1>{}</h1>{body}</main></body></html>",
        esc(f.title)
    );
    out
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
}

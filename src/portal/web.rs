//! The HTTP side of the portal: the routes, the security headers every
//! answer carries, the request log, cookies, the visitor (who is signed
//! in, in which language, with which form token) and the answers' shapes.
//!
//! Cookies are `__Host-` prefixed, `Secure`, `HttpOnly`, `SameSite=Lax`,
//! `Path=/`. Static files and the favicon are served without reading or
//! setting any cookie, so the browser's own requests never disturb a
//! session or a form token. Every POST is checked for `Sec-Fetch-Site`
//! and `Origin` before its form token.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::auth;
use super::i18n::{self, Words};
use super::store::{Account, Membership, Role, Session, Stage};
use super::Portal;
use crate::model::Language;

mod chrome;

pub use chrome::{duration, Chrome, Field, FieldError};

/// The session cookie.
pub const SESSION: &str = "__Host-ssps-session";
/// The signed-out form-token cookie.
pub const PRE: &str = "__Host-ssps-pre";
/// The signed-out language cookie.
pub const LANG: &str = "__Host-ssps-lang";

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The portal's routes.
pub fn router(portal: Arc<Portal>) -> Router {
    use super::pages::{account, calendar, claims, documents, entry, messages, people, receipt, schedule, security, staff};
    Router::new()
        .route("/", get(entry::home))
        .route("/sign-in", get(entry::sign_in_page).post(entry::sign_in))
        .route("/sign-in/code", get(entry::code_page).post(entry::code))
        .route("/register", get(entry::register_page).post(entry::register))
        .route("/sign-out", post(entry::sign_out))
        .route("/language", post(entry::language))
        .route("/session/extend", post(entry::extend))
        .route("/payments", get(account::payments))
        .route("/payments/{id}", get(account::payment))
        .route("/payments/{id}/remittance", get(documents::remittance))
        .route("/payments/{id}/remittance/accessible", get(documents::remittance_accessible))
        .route("/documents", get(documents::list))
        .route("/documents/{id}", get(documents::document))
        .route("/documents/{id}/accessible", get(documents::accessible))
        .route("/tax", get(documents::tax))
        .route("/claims", get(claims::list))
        .route("/claims/{number}", get(claims::claim).post(claims::save))
        .route("/claims/{number}/confirm", get(claims::confirm_page).post(claims::submit))
        .route("/claims/{number}/receipt", get(receipt::receipt))
        .route("/claims/{number}/receipt/accessible", get(receipt::receipt_accessible))
        .route("/claims/{number}/lines/{reference}/calendar", get(calendar::calendar).post(calendar::calendar_post))
        .route("/people", get(people::people))
        .route("/people/invite", post(people::invite))
        .route("/people/{id}/{what}", post(people::change))
        .route("/invite/{token}", get(people::invitation).post(people::accept))
        .route("/payee", post(people::switch))
        .route("/messages", get(messages::list))
        .route("/messages/new", get(messages::new_page).post(messages::create))
        .route("/messages/{id}", get(messages::thread).post(messages::reply))
        .route("/messages/{id}/attachments/{message}", get(messages::attachment))
        .route("/staff", get(staff::inbox))
        .route("/staff/messages/{id}", get(staff::thread).post(staff::answer))
        .route("/staff/messages/{id}/attachments/{message}", get(staff::attachment))
        .route("/staff/payee", get(staff::payee))
        .route("/staff/payee/{payee}/letter", post(staff::letter))
        .route("/staff/accounts/{id}/unlock", post(staff::unlock))
        .route("/staff/audit", get(staff::audit))
        .route("/calendar", get(schedule::page))
        .route("/calendar.ics", get(schedule::ics_file))
        .route("/authorizations", get(account::authorizations))
        .route("/provider", get(account::provider))
        .route("/security", get(security::security_page))
        .route("/security/totp/on", post(security::totp_on))
        .route("/security/totp/off", post(security::totp_off))
        .route("/security/notices", post(security::notices))
        .route("/static/portal.css", get(css))
        .route("/static/portal.js", get(js))
        .route("/favicon.ico", get(favicon))
        .fallback(not_found_route)
        // Attachments: 5 MiB and the form around them.
        .layer(axum::extract::DefaultBodyLimit::max(super::pages::messages::MAX_ATTACHMENT + 64 * 1024))
        .layer(axum::middleware::from_fn_with_state(portal.clone(), headers_and_log))
        .with_state(portal)
}

/// Serves `portal` on `listener` until `shutdown` resolves. Every five
/// minutes, on the blocking pool, ended sessions are deleted and the run
/// folders indexed again (a new run is served without a restart); every
/// ten seconds the outbox is sent.
pub async fn serve(
    listener: tokio::net::TcpListener,
    portal: Arc<Portal>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let chores = portal.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        tick.tick().await;
        loop {
            tick.tick().await;
            let p = chores.clone();
            let _ = tokio::task::spawn_blocking(move || p.chores()).await;
        }
    });
    let mailer = portal.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
        loop {
            tick.tick().await;
            let p = mailer.clone();
            let _ = tokio::task::spawn_blocking(move || p.send_mail()).await;
        }
    });
    axum::serve(listener, router(portal).into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await
}

/// Adds the security headers to every answer and logs one line per
/// request: method, route pattern (never the path: it may hold an id),
/// status, milliseconds.
async fn headers_and_log(State(portal): State<Arc<Portal>>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "(no route)".into());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let pdf = h.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/pdf"));
    // A PDF is shown by the browser's own viewer, which a strict policy
    // would stop; it still may not be framed.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(if pdf { "frame-ancestors 'none'" } else { CSP }));
    h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // `same-origin`, not `no-referrer`: under `no-referrer` a browser sends
    // `Origin: null` with every form POST (the Fetch standard), which
    // `same_origin` refuses, and no `Referer` for the language switch to
    // return to. Other sites still get no referrer.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    (portal.log)(&format!("{method} {route} {} {} ms", res.status().as_u16(), started.elapsed().as_millis()));
    res
}

async fn css() -> Response {
    static_file("text/css; charset=utf-8", include_str!("../../templates/portal/portal.css"))
}

async fn js() -> Response {
    static_file("text/javascript; charset=utf-8", include_str!("../../templates/portal/portal.js"))
}

async fn favicon() -> Response {
    // A tiny SVG: the browser asks on every page; no cookie is touched.
    static_file(
        "image/svg+xml",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" height=\"16\" fill=\"#162e51\"/></svg>",
    )
}

fn static_file(kind: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

async fn not_found_route(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    not_found(&p, &v, "route")
}

/// Answers 404 with the page, and audits it for a signed-in visitor
/// (another payee's id, a guessed path).
pub fn not_found(p: &Portal, v: &Visitor, detail: &str) -> Response {
    if let Some(me) = &v.me {
        p.audit("not_found", Some(me), detail, v);
    }
    v.message(p, StatusCode::NOT_FOUND, "not_found_title", "not_found_text", Some(("/payments", "back_to_payments")))
}

/// Who is asking.
pub struct Visitor {
    /// Signed in (both factors).
    pub me: Option<SignedIn>,
    /// Signed in with the password, the code still due.
    pub half: Option<SignedIn>,
    /// The session cookie was there but the session had timed out.
    pub expired: bool,
    /// The session cookie named no session.
    pub stale: bool,
    /// The pre-session cookie's value, when there is one.
    pub pre: Option<String>,
    /// The pre-session value to set (none was sent).
    pub new_pre: Option<String>,
    /// The page language.
    pub lang: Language,
    /// The client's address.
    pub address: String,
    /// Now.
    pub now: i64,
}

/// A signed-in visitor.
pub struct SignedIn {
    /// The session id (the cookie's value).
    pub sid: String,
    /// Its record.
    pub session: Session,
    /// The account.
    pub account: Account,
    /// The payees the person works for.
    pub payees: Vec<Membership>,
    /// The one this session works for (the session's choice, else the
    /// first); `None` when the person works for none.
    pub current: Option<Membership>,
}

impl SignedIn {
    /// The session's person, with the payees they work for.
    pub fn load(p: &Portal, sid: String, session: Session, account: Account) -> SignedIn {
        let payees = p.store.memberships(account.id).unwrap_or_default();
        SignedIn::of(sid, super::store::Visit { session, account, memberships: payees })
    }

    /// From a visit the store found.
    pub fn of(sid: String, visit: super::store::Visit) -> SignedIn {
        let super::store::Visit { session, account, memberships: payees } = visit;
        let chosen = session.payee_number.as_ref().and_then(|want| payees.iter().find(|m| &m.payee_number == want));
        let current = chosen.or(payees.first()).cloned();
        SignedIn { sid, session, account, payees, current }
    }

    /// The payee signed in for ("" when none: nothing is found for it).
    pub fn payee(&self) -> &str {
        self.current.as_ref().map_or("", |m| m.payee_number.as_str())
    }

    /// What a form token is bound to: the session and the payee it works
    /// for, so a page of one payee cannot act for another the session has
    /// switched to since (the form is refused as expired).
    pub fn token_scope(&self) -> String {
        format!("{}\u{0}{}", self.sid, self.payee())
    }

    /// Whether the person may act with `role` for the current payee.
    pub fn may(&self, role: Role) -> bool {
        self.current.as_ref().is_some_and(|m| m.role >= role)
    }
}

/// A cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// A `Set-Cookie` value; `None` clears it.
pub fn set_cookie(name: &str, value: Option<&str>) -> HeaderValue {
    let v = match value {
        Some(v) => format!("{name}={v}; Path=/; Secure; HttpOnly; SameSite=Lax"),
        None => format!("{name}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0"),
    };
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// How often a session's last use is written: a session's idle end is
/// counted from its last write, so it may come up to this much earlier
/// than 15 minutes after the very last request (never later).
pub const TOUCH_SECONDS: i64 = 15;

impl Portal {
    /// The periodic work: ended sessions deleted, the runs indexed again.
    pub fn chores(&self) {
        let now = self.now();
        if let Err(e) = self.store.delete_stale_sessions(now - self.policy.idle, now - self.policy.absolute) {
            (self.log)(&format!("sessions not cleaned: {e}"));
        }
        if let Err(e) = self.store.purge_failures(now - 86_400) {
            (self.log)(&format!("failure counters not cleaned: {e}"));
        }
        match super::index::index(self.store.as_ref(), &self.runs) {
            Ok(done) => {
                if done.runs_indexed > 0 {
                    (self.log)(&format!("indexed {} new or changed runs, {} payee documents", done.runs_indexed, done.documents));
                }
                self.notify_new_documents(&done.new_documents_for);
                for p in done.problems {
                    (self.log)(&p);
                }
            }
            Err(e) => (self.log)(&format!("runs not indexed: {e}")),
        }
    }

    /// Works out who is asking (one store look-up: [`super::store::Store::visit`]): the
    /// session (ended if idle or too old),
    /// the language, the pre-session cookie.
    pub fn visitor(&self, headers: &HeaderMap, addr: SocketAddr) -> Visitor {
        let now = self.now();
        let mut v = Visitor {
            me: None,
            half: None,
            expired: false,
            stale: false,
            pre: None,
            new_pre: None,
            lang: Language::En,
            address: client_address(&self.trusted_proxies, headers, addr),
            now,
        };
        if let Some(sid) = cookie(headers, SESSION).filter(|s| auth::id_shaped(s)) {
            let hash = auth::session_hash(sid);
            match self.store.visit(&hash) {
                Ok(Some(visit))
                    if now - visit.session.last_seen > self.policy.idle || now - visit.session.created_at > self.policy.absolute =>
                {
                    let s = &visit.session;
                    let _ = self.store.delete_session(&hash);
                    v.expired = true;
                    let _ = self.store.audit(&super::store::AuditEvent {
                        event: "session_expired",
                        account_id: Some(s.account_id),
                        payee_number: None,
                        detail: "",
                        address: &v.address,
                        at: now,
                    });
                }
                Ok(Some(visit)) => {
                    // Written at most every TOUCH_SECONDS: a busy page's
                    // many requests make one write, not one each.
                    if now - visit.session.last_seen >= TOUCH_SECONDS {
                        let _ = self.store.touch_session(&hash, now);
                    }
                    let stage = visit.session.stage;
                    let signed = SignedIn::of(sid.to_string(), visit);
                    match stage {
                        Stage::Full => v.me = Some(signed),
                        Stage::Password => v.half = Some(signed),
                    }
                }
                // An unknown id (signed out, forged, cleaned away): no
                // session, and the cookie is cleared on the sign-in page.
                _ => v.stale = true,
            }
        }
        v.pre = cookie(headers, PRE).filter(|s| auth::id_shaped(s)).map(str::to_string);
        if v.pre.is_none() && v.me.is_none() && v.half.is_none() {
            // Signed-out forms need a token: a pre-session value, set with
            // the next page (never re-issued while the browser keeps it).
            let pre = auth::new_session_id();
            v.new_pre = Some(pre.clone());
            v.pre = Some(pre);
        }
        v.lang = match (&v.me, &v.half) {
            (Some(me), _) | (None, Some(me)) => i18n::language(&me.account.language),
            _ => match cookie(headers, LANG) {
                Some(code) => i18n::language(code),
                None => headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|h| h.to_str().ok())
                    .filter(|h| h.trim_start().to_ascii_lowercase().starts_with("es"))
                    .map_or(Language::En, |_| Language::Es),
            },
        };
        v
    }

    /// Appends to the audit log; a failure to write it is logged.
    pub fn audit(&self, event: &str, who: Option<&SignedIn>, detail: &str, v: &Visitor) {
        let e = super::store::AuditEvent {
            event,
            account_id: who.map(|w| w.account.id),
            payee_number: who.map(|w| w.payee()).filter(|p| !p.is_empty()),
            detail,
            address: &v.address,
            at: v.now,
        };
        if let Err(err) = self.store.audit(&e) {
            (self.log)(&format!("audit log not written: {err}"));
        }
    }

    /// Whether a POST may be acted on: sent by our own pages
    /// (`Sec-Fetch-Site`, `Origin`) with the form token of its visitor.
    pub fn form_ok(&self, headers: &HeaderMap, v: &Visitor, token: Option<&str>) -> bool {
        if !same_origin(headers) {
            return false;
        }
        let Some(token) = token else { return false };
        match (&v.me, &v.half, &v.pre) {
            (Some(s), _, _) | (None, Some(s), _) => self.keys.form_token_ok("session", &s.token_scope(), token),
            (None, None, Some(pre)) => self.keys.form_token_ok("pre", pre, token),
            _ => false,
        }
    }
}

/// The client's address: the connection's, or behind a trusted reverse
/// proxy (`--trusted-proxy`), the right-most address of `X-Forwarded-For`
/// that is not a trusted proxy (the left part of the header is the
/// client's to write, so it is never believed).
pub fn client_address(trusted: &[std::net::IpAddr], headers: &HeaderMap, addr: SocketAddr) -> String {
    // An IPv4 peer on an IPv6 socket (`::ffff:10.0.0.5`) is the IPv4 address.
    let peer = addr.ip().to_canonical();
    let is_trusted = |a: &std::net::IpAddr| trusted.iter().any(|t| t.to_canonical() == a.to_canonical());
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let entries: Vec<&str> =
        headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim).collect();
    // From the right: skip our proxies; the first other address is the
    // client's. An entry that is not an address ends the walk (what is left
    // of it was written by someone else): the proxy's address stands.
    for entry in entries.iter().rev() {
        match entry.parse::<std::net::IpAddr>() {
            Ok(a) if is_trusted(&a) => continue,
            Ok(a) => return a.to_canonical().to_string(),
            Err(_) => break,
        }
    }
    peer.to_string()
}

/// `Sec-Fetch-Site` same-origin (or none: typed by the user), and an
/// `Origin`, when sent, naming this host.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        if !matches!(site.as_bytes(), b"same-origin" | b"none") {
            return false;
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let origin = origin.to_str().unwrap_or("null");
        return !host.is_empty() && (origin == format!("http://{host}") || origin == format!("https://{host}"));
    }
    true
}

impl Visitor {
    /// The words of the visitor's language.
    pub fn words<'a>(&self, p: &'a Portal) -> &'a Words {
        p.words.get(self.lang)
    }

    /// The page frame for this visitor.
    pub fn chrome<'a>(&self, p: &'a Portal, title: String, nav: &'static str) -> Chrome<'a> {
        let csrf = match (&self.me, &self.half) {
            (Some(s), _) | (None, Some(s)) => p.keys.form_token("session", &s.token_scope()),
            _ => p.keys.form_token("pre", self.pre.as_deref().unwrap_or("")),
        };
        let t = p.words.get(self.lang);
        Chrome {
            t,
            lang: i18n::code(self.lang),
            title,
            errors: vec![],
            notice: None,
            signed_in: self.me.is_some(),
            payee: self.me.as_ref().map(|m| m.payee().to_string()).unwrap_or_default(),
            other_payees: self
                .me
                .as_ref()
                .map(|m| m.payees.iter().map(|x| x.payee_number.clone()).filter(|x| x != m.payee()).collect())
                .unwrap_or_default(),
            admin: self.me.as_ref().is_some_and(|m| m.may(Role::Admin)),
            staff: self.me.as_ref().is_some_and(|m| m.account.staff_role.is_some()),
            csrf,
            nav,
            idle_seconds: p.policy.idle,
            warn_seconds: p.policy.warn_after(),
            timeout_text: t.f("timeout_text", &[("warn", &duration(self.lang, p.policy.idle - p.policy.warn_after()))]),
            timeout_noscript: t.f("timeout_noscript", &[("idle", &duration(self.lang, p.policy.idle))]),
        }
    }

    /// An HTML answer, setting the pre-session cookie if this visitor got
    /// a new one.
    pub fn html(&self, status: StatusCode, body: Result<String, askama::Error>, p: &Portal) -> Response {
        match body {
            Ok(body) => {
                let mut res = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
                if let Some(pre) = &self.new_pre {
                    res.headers_mut().append(header::SET_COOKIE, set_cookie(PRE, Some(pre)));
                }
                res
            }
            Err(e) => {
                (p.log)(&format!("page not rendered: {e}"));
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }

    /// A page with a title, a text and a link.
    pub fn message(
        &self,
        p: &Portal,
        status: StatusCode,
        title_key: &str,
        text_key: &str,
        link: Option<(&'static str, &'static str)>,
    ) -> Response {
        let t = self.words(p);
        let page = super::pages::Message {
            c: self.chrome(p, t.s(title_key).to_string(), ""),
            text: t.s(text_key).to_string(),
            link: link.map(|(h, k)| (h, t.s(k).to_string())),
        };
        self.html(status, askama::Template::render(&page), p)
    }
}

/// A redirect (303: the browser follows with a GET).
pub fn redirect(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Where a signed-out visitor of a signed-in page goes.
pub fn to_sign_in(v: &Visitor) -> Response {
    let mut res = redirect(if v.expired { "/sign-in?timeout=1" } else { "/sign-in" });
    if v.expired || v.stale {
        res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION, None));
    }
    res
}

/// A PDF answer: shown in the browser, or downloaded as `name`.
pub fn pdf(bytes: Vec<u8>, name: &str, download: bool) -> Response {
    let disposition = format!("{}; filename=\"{name}\"", if download { "attachment" } else { "inline" });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/pdf")
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(Body::from(bytes))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_are_believed_only_from_a_trusted_proxy() {
        let proxy: std::net::IpAddr = "10.0.0.5".parse().unwrap();
        let mut h = HeaderMap::new();
        // The client wrote the first address itself; the proxy appended the real one.
        h.insert("x-forwarded-for", HeaderValue::from_static("1.2.3.4, 203.0.113.9"));
        let from = |ip: &str| SocketAddr::new(ip.parse().unwrap(), 443);
        assert_eq!(client_address(&[proxy], &h, from("10.0.0.5")), "203.0.113.9");
        assert_eq!(client_address(&[], &h, from("10.0.0.5")), "10.0.0.5", "no proxy trusted: the header is ignored");
        assert_eq!(client_address(&[proxy], &h, from("198.51.100.7")), "198.51.100.7", "not from the proxy");
        assert_eq!(client_address(&[proxy], &HeaderMap::new(), from("10.0.0.5")), "10.0.0.5");
        let mut garbage = HeaderMap::new();
        garbage.insert("x-forwarded-for", HeaderValue::from_static("not-an-address"));
        assert_eq!(client_address(&[proxy], &garbage, from("10.0.0.5")), "10.0.0.5");
        // A port on the appended entry must not let the client's own entry through.
        let mut ported = HeaderMap::new();
        ported.insert("x-forwarded-for", HeaderValue::from_static("1.2.3.4, 203.0.113.9:5678"));
        assert_eq!(client_address(&[proxy], &ported, from("10.0.0.5")), "10.0.0.5");
        // The proxy reaching an IPv6 socket over IPv4.
        assert_eq!(client_address(&[proxy], &h, from("::ffff:10.0.0.5")), "203.0.113.9");
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(duration(Language::En, 120), "2 minutes");
        assert_eq!(duration(Language::En, 60), "1 minute");
        assert_eq!(duration(Language::Es, 900), "15 minutos");
        assert_eq!(duration(Language::En, 15), "15 seconds");
        assert_eq!(duration(Language::Es, 1), "1 segundo");
    }
}

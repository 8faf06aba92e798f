//! Delivery of the notification outbox (`vigie_store::notify`): e-mail over SMTP (lettre) and
//! signed webhooks (reqwest). One `notify.deliver` job per outbox row; the queue retries.
//!
//! Webhook requests are `POST` with a JSON body and these headers:
//! - `X-Vigie-Event`: the event name (`watch.alert.new`…);
//! - `X-Vigie-Delivery`: the outbox row id (the same on every retry: receivers deduplicate on it);
//! - `X-Vigie-Timestamp`: unix seconds of this attempt;
//! - `X-Vigie-Signature`: `sha256=` + hex HMAC-SHA256, keyed with the webhook's secret, of
//!   `<timestamp>.<body>`. Receivers recompute it and refuse stale timestamps.
//!
//! A 2xx answer is a delivery. 4xx answers other than 408 and 429 are final (retrying the same
//! request cannot help); anything else is retried.
//!
//! Where a webhook request may go (issue 13, SSRF): the address is parsed as at creation, a
//! literal address must pass `vigie_domain::address_policy`, and a name is resolved by the
//! client's own resolver ([`PolicyResolver`]) which checks EVERY address the system resolver
//! gives and hands the connector only those: the connection goes to a checked address, so a
//! name rebound to loopback after the check reaches nothing. No proxy, no redirect followed,
//! timeouts. `[notify] allow_private_webhooks` (tests only) lifts the address checks. The error
//! recorded never holds the webhook's address (its path may be its secret).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use hmac::{Hmac, Mac};
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;
use vigie_report::email;
use vigie_report::i18n::Lang;
use vigie_store::notify::Notification;
use vigie_store::Store;

use crate::config::Config;

/// What a delivery attempt came to.
#[derive(Debug)]
pub enum Outcome {
    Sent,
    /// Worth another try (network down, 5xx, SMTP transient error).
    Retry(String),
    /// Trying again cannot help (no SMTP configured, address refused, 4xx).
    Final(String),
}

#[derive(Clone)]
pub struct Notifier {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    http: reqwest::Client,
    public_url: String,
    allow_private_webhooks: bool,
    /// Without an SMTP server, keep e-mails in the outbox (the demo).
    keep_in_outbox: bool,
}

/// The webhook client's resolver: the system resolver, then every address checked against the
/// address policy; the connector only ever sees the checked addresses.
struct PolicyResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = vigie_store::notify::resolve_webhook_host(&host, 0, allow).await?;
            let it: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(it)
        })
    }
}

impl Notifier {
    pub fn from_config(cfg: &Config) -> anyhow::Result<Notifier> {
        let timeout = Duration::from_secs(cfg.notify.timeout_secs.clamp(1, 300));
        let smtp = match cfg.notify.smtp_url.as_deref() {
            Some(url) if !url.trim().is_empty() => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
                    .map_err(|e| anyhow!("[notify] smtp_url: {e}"))?
                    .timeout(Some(timeout))
                    .build(),
            ),
            _ => None,
        };
        let from: Mailbox = cfg
            .notify
            .from
            .parse()
            .map_err(|e| anyhow!("[notify] from {:?}: {e}", cfg.notify.from))?;
        let allow_private_webhooks = cfg.notify.allow_private_webhooks;
        if allow_private_webhooks {
            tracing::warn!(
                "[notify] allow_private_webhooks is on: webhooks may reach loopback and private \
                 addresses (tests only)"
            );
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(PolicyResolver {
                allow_private: allow_private_webhooks,
            }))
            .user_agent(concat!("Vigie/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the webhook HTTP client")?;
        Ok(Notifier {
            smtp,
            from,
            http,
            public_url: cfg.http.public_url.trim_end_matches('/').to_string(),
            allow_private_webhooks,
            keep_in_outbox: cfg.notify.keep_in_outbox,
        })
    }

    /// Delivers outbox row `id`; records the attempt in the row. `last_attempt` is true when the
    /// queue will not try again, so that a transient failure is recorded as final.
    pub async fn deliver(&self, store: &Store, id: i64, last_attempt: bool) -> anyhow::Result<()> {
        let Some((n, hook)) = store.notification_for_delivery(id).await? else {
            tracing::info!(notification = id, "notification gone before delivery");
            return Ok(());
        };
        if n.status == "sent" {
            return Ok(());
        }
        // A person who turned this kind of notification off by e-mail ("Mon compte") is not
        // sent it: the row says so, and their in-app list has it.
        if n.channel == "email" && !store.email_wanted(&n.recipient, &n.event).await? {
            store.skip_delivery(id).await?;
            tracing::debug!(notification = id, event = %n.event, "e-mail not wanted by its recipient");
            return Ok(());
        }
        let outcome = match n.channel.as_str() {
            "email" if self.smtp.is_none() && self.keep_in_outbox => {
                store.keep_in_outbox(id).await?;
                tracing::debug!(
                    notification = id,
                    "e-mail kept in the outbox (no SMTP server)"
                );
                return Ok(());
            }
            "email" => self.send_email(&n).await,
            "webhook" => match hook {
                Some((_, _, false)) => Outcome::Final("webhook disabled".into()),
                Some((url, secret, true)) => self.post_webhook(&n, &url, &secret).await,
                None => Outcome::Final("webhook deleted".into()),
            },
            other => Outcome::Final(format!("unknown channel {other:?}")),
        };
        match outcome {
            Outcome::Sent => {
                store.record_delivery(id, Ok(())).await?;
                tracing::info!(notification = id, channel = %n.channel, event = %n.event, "notification sent");
                Ok(())
            }
            Outcome::Final(e) => {
                store.record_delivery(id, Err((&e, true))).await?;
                tracing::warn!(notification = id, channel = %n.channel, error = %e, "notification undeliverable");
                // Not an error for the queue: retrying cannot help, the row says why.
                Ok(())
            }
            Outcome::Retry(e) => {
                store.record_delivery(id, Err((&e, last_attempt))).await?;
                Err(anyhow!("delivery of notification {id} failed: {e}"))
            }
        }
    }

    fn absolute(&self, link: &Option<String>) -> Option<String> {
        link.as_ref().map(|l| {
            if l.starts_with('/') {
                format!("{}{l}", self.public_url)
            } else {
                l.clone()
            }
        })
    }

    /// What a row says in `lang`. A row written since the outbox stopped rendering carries its
    /// event's payload and its recipient's language: the presentation layer writes its subject
    /// and bodies now. A row written before keeps the texts it was written with (an alert's row
    /// of that time kept its subject only: its bodies are written from its payload, in French,
    /// the language it was written in).
    fn message(&self, n: &Notification, lang: Lang) -> Option<Texts> {
        let payload = || serde_json::from_str::<serde_json::Value>(&n.payload).ok();
        if !n.is_legacy() {
            let e = email::render(&n.event, &payload()?, lang, &self.public_url)?;
            return Some(Texts {
                subject: e.subject,
                text: e.text,
                html: Some(e.html),
            });
        }
        let mut text = n.body_text.clone();
        let mut html = n.body_html.clone();
        if text.is_empty() && html.is_none() {
            if let Some(e) =
                payload().and_then(|p| email::render(&n.event, &p, Lang::Fr, &self.public_url))
            {
                text = e.text;
                html = Some(e.html);
            }
        }
        if let Some(link) = self.absolute(&n.link) {
            text.push_str(&format!("\n\n{link}\n"));
        }
        Some(Texts {
            subject: n.subject.clone(),
            text,
            html,
        })
    }

    async fn send_email(&self, n: &Notification) -> Outcome {
        let Some(smtp) = &self.smtp else {
            return Outcome::Final("no SMTP server configured ([notify] smtp_url)".into());
        };
        let to: Mailbox = match n.recipient.parse() {
            Ok(m) => m,
            Err(e) => return Outcome::Final(format!("recipient {:?}: {e}", n.recipient)),
        };
        let Some(m) = self.message(n, Lang::parse(&n.lang).unwrap_or_default()) else {
            return Outcome::Final(format!(
                "no e-mail is written for events of kind {:?}",
                n.event
            ));
        };
        let body = match m.html {
            Some(html) => MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(m.text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
            None => MultiPart::mixed().singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(m.text),
            ),
        };
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject)
            .message_id(Some(format!(
                "<vigie-{}-{}@{}>",
                n.id,
                n.created_at,
                self.from.email.domain()
            )))
            .multipart(body);
        let msg = match msg {
            Ok(m) => m,
            Err(e) => return Outcome::Final(format!("cannot build the e-mail: {e}")),
        };
        match smtp.send(msg).await {
            Ok(_) => Outcome::Sent,
            Err(e) if e.is_permanent() => Outcome::Final(format!("SMTP refused: {e}")),
            Err(e) => Outcome::Retry(format!("SMTP: {e}")),
        }
    }

    async fn post_webhook(&self, n: &Notification, url: &str, secret: &str) -> Outcome {
        let target =
            match vigie_store::notify::validate_webhook_url(url, self.allow_private_webhooks) {
                Ok(t) => t,
                Err(e) => {
                    // The stored address no longer passes (a literal address outside the policy,
                    // a localhost or reserved name): refused before any connection.
                    let why = match &e {
                        vigie_store::StoreError::Invalid(p) => p.key.to_string(),
                        other => other.to_string(),
                    };
                    return Outcome::Final(format!("webhook refused: {why}"));
                }
            };
        if let vigie_store::notify::WebhookHost::Ip(ip) = target.host {
            // A literal address never reaches the resolver: checked here.
            if let Err(r) = vigie_store::notify::resolve_webhook_host(
                &ip.to_string(),
                target.port,
                self.allow_private_webhooks,
            )
            .await
            {
                return Outcome::Final(format!("webhook refused: {r}"));
            }
        }
        let ts = vigie_store::db::now();
        // A webhook's document is the event's payload with its subject, in French (webhooks
        // feed a territory's shared channels, not one person).
        let subject = self
            .message(n, Lang::Fr)
            .map(|m| m.subject)
            .unwrap_or_else(|| n.event.clone());
        let body = if n.is_legacy() {
            n.payload.clone()
        } else {
            n.webhook_document(&subject)
        };
        let signature = sign(secret, ts, &body);
        let r = self
            .http
            .post(target.url)
            .header("content-type", "application/json")
            .header("x-vigie-event", n.event.as_str())
            .header("x-vigie-delivery", n.id.to_string())
            .header("x-vigie-timestamp", ts.to_string())
            .header("x-vigie-signature", signature)
            .body(body)
            .send()
            .await;
        match r {
            Ok(resp) if resp.status().is_success() => Outcome::Sent,
            Ok(resp) => {
                let code = resp.status().as_u16();
                let msg = format!("webhook answered HTTP {code}");
                if (400..500).contains(&code) && code != 408 && code != 429 {
                    Outcome::Final(msg)
                } else {
                    Outcome::Retry(msg)
                }
            }
            Err(e) => {
                // The policy's refusal travels up the client's error chain.
                let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
                while let Some(s) = source {
                    if let Some(r) = s.downcast_ref::<vigie_store::notify::DestinationRefusal>() {
                        return match r {
                            vigie_store::notify::DestinationRefusal::Unresolved => {
                                Outcome::Retry(format!("webhook: {r}"))
                            }
                            _ => Outcome::Final(format!("webhook refused: {r}")),
                        };
                    }
                    source = s.source();
                }
                Outcome::Retry(format!("webhook: {}", describe(&e)))
            }
        }
    }
}

/// What went wrong with a request, without its address.
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "bad answer"
    } else {
        "request failed"
    };
    // The innermost cause (e.g. "Connection refused (os error 111)") says why; the outer ones
    // repeat the URL.
    let mut inner: Option<String> = None;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        inner = Some(s.to_string());
        source = s.source();
    }
    match inner {
        Some(i) => vigie_store::notify::redact_delivery_error(&format!("{what}: {i}")),
        None => what.to_string(),
    }
}

/// A notification's texts, ready to send.
struct Texts {
    subject: String,
    text: String,
    html: Option<String>,
}

/// `sha256=<hex>` HMAC of `<timestamp>.<body>` under the webhook's secret.
pub fn sign(secret: &str, ts: i64, body: &str) -> String {
    // HMAC accepts keys of any length: this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(ts.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The outbox's delivery job, with the transports of the configuration.
pub fn register_jobs(r: &mut crate::worker::Registry, notifier: Notifier) {
    let notifier = std::sync::Arc::new(notifier);
    r.register(
        move |ctx: std::sync::Arc<crate::worker::Ctx>,
              p: vigie_store::notify::Deliver,
              job: vigie_store::jobs::Job| {
            let notifier = notifier.clone();
            async move {
                notifier
                    .deliver(
                        &ctx.store,
                        p.notification_id,
                        job.attempts >= job.max_attempts,
                    )
                    .await
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_the_documented_hmac() {
        // Reference value computed independently:
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"k",b"1700000000.{}",hashlib.sha256).hexdigest())'
        assert_eq!(
            sign("k", 1_700_000_000, "{}"),
            "sha256=c6ef4734033cee2367414a0939385eca0397754aa7a59716da7463a9298b5146"
        );
    }
}

//! The jobs this build runs: each engine registers its kinds with a handler that takes the typed
//! payload (`vigie_store::jobs::JobSpec`), and the worker dispatches from here. A kind that is
//! not registered is never claimed, so a worker of an older build leaves a newer build's jobs to
//! the workers that know them.
//!
//! A handler runs in a task of its own: a panic in it is caught and turned into a failure with
//! the panic's message, which the queue retries with its usual backoff like any other failure.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use vigie_store::jobs::{Job, JobSpec};
use vigie_store::Store;

use crate::config::Config;

/// What a job handler has at hand (an engine's handler captures what else it needs).
pub struct Ctx {
    pub store: Store,
    pub cfg: Config,
}

type Run = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;
type Handler = Box<dyn Fn(Arc<Ctx>, Job) -> Run + Send + Sync>;
type Tick = Box<dyn Fn(Arc<Ctx>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// The kinds of job a worker takes, each with its handler; and what the scheduler does at each
/// tick, engine by engine.
#[derive(Default)]
pub struct Registry {
    handlers: BTreeMap<&'static str, Handler>,
    ticks: Vec<(&'static str, Tick)>,
}

impl Registry {
    /// Adds what the scheduler does at each tick for an engine (queue its periodic jobs). A
    /// tick must be idempotent: several schedulers may run.
    pub fn every_tick<F, Fut>(&mut self, name: &'static str, tick: F)
    where
        F: Fn(Arc<Ctx>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.ticks
            .push((name, Box::new(move |ctx: Arc<Ctx>| Box::pin(tick(ctx)))));
    }

    /// Runs every engine's tick, one after the other.
    pub async fn tick(&self, ctx: Arc<Ctx>) {
        for (name, tick) in &self.ticks {
            tracing::debug!(engine = name, "scheduler tick");
            tick(ctx.clone()).await;
        }
    }

    /// Registers the handler of the kind `J`: it receives the decoded payload and the job (its
    /// attempt number, mostly). Registering a kind twice is a programming error.
    pub fn register<J, F, Fut>(&mut self, handler: F)
    where
        J: JobSpec,
        F: Fn(Arc<Ctx>, J, Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let run: Handler = Box::new(move |ctx: Arc<Ctx>, job: Job| -> Run {
            let handler = handler.clone();
            Box::pin(async move {
                let payload: J = job.decode::<J>()?;
                handler(ctx, payload, job).await
            })
        });
        let previous = self.handlers.insert(J::NAME, run);
        assert!(previous.is_none(), "job kind {} registered twice", J::NAME);
    }

    /// The kinds a worker claims.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.handlers.keys().copied().collect()
    }

    /// Runs a claimed job to its end. A panic in the handler is caught: the job fails with the
    /// panic's message instead of taking its worker down (or leaving its lease renewed).
    pub async fn run(&self, ctx: Arc<Ctx>, job: Job) -> anyhow::Result<()> {
        let Some(handler) = self.handlers.get(job.kind.as_str()) else {
            anyhow::bail!("no handler for job kind {:?}", job.kind);
        };
        match tokio::spawn(handler(ctx, job)).await {
            Ok(r) => r,
            Err(e) if e.is_panic() => {
                let panic = e.into_panic();
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".into());
                anyhow::bail!("the job panicked: {msg}")
            }
            Err(e) => anyhow::bail!("the job was cancelled: {e}"),
        }
    }
}

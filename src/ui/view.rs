//! The one contract every view keeps: `fn ui(&mut self, ui, sh: &mut Shell)` draws and
//! pushes the jobs it wants into the frame's [`Jobs`]; the app sends them to the worker at
//! the frame's end, in one place. Each answer comes back to its view by type: the worker's
//! [`Answer`](super::worker::Answer) is grouped per view and the app hands each group to its
//! owner with one match.

use chrono::{DateTime, Utc};

use super::chrome::StatusLine;
use super::data::DataJob;
use super::worker::Job;
use crate::core::model::Operator;

/// The jobs the views asked for during this frame, in the order they asked.
#[derive(Debug, Default)]
pub struct Jobs(Vec<Job>);

impl Jobs {
    /// Asks for a job; it goes to the worker at the end of the frame.
    pub fn push(&mut self, job: impl Into<Job>) {
        self.0.push(job.into());
    }

    /// Takes every job asked for so far.
    pub fn take(&mut self) -> Vec<Job> {
        std::mem::take(&mut self.0)
    }

    /// Whether nothing was asked for.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<DataJob> for Job {
    fn from(j: DataJob) -> Self {
        Job::Data(j)
    }
}

/// What a view of the signed-in console is given while it draws or takes an answer.
pub struct Shell<'a> {
    pub operator: &'a Operator,
    pub status: &'a mut StatusLine,
    /// This frame's time, from the console's clock (countdowns).
    pub now: DateTime<Utc>,
    /// An action is running on the worker: submit buttons wait for it.
    pub busy: bool,
    /// Where the view puts the jobs it wants.
    pub jobs: &'a mut Jobs,
}

impl Shell<'_> {
    /// Runs `f` with a shell of its own for `operator`, outside the app (benches and tests
    /// that drive one view); returns the jobs the view asked for.
    pub fn alone(operator: &Operator, f: impl FnOnce(&mut Shell<'_>)) -> Vec<Job> {
        let mut status = StatusLine::default();
        let mut jobs = Jobs::default();
        f(&mut Shell {
            operator,
            status: &mut status,
            now: Utc::now(),
            busy: false,
            jobs: &mut jobs,
        });
        jobs.take()
    }
}

//! `comment`: one pull-request comment per chart set that keeps up with
//! the plan: found by its hidden marker, updated in place (or a new one
//! per run), cut below the forge's limit with a pointer to the full plan.

use crate::adapters::forge::{self, Target};
use crate::core::comment::{self, Action, Forge, Mode, PlanResult, Pointer};

pub struct Request {
    pub markdown: String,
    pub key: String,
    pub mode: Mode,
    /// `plan --detailed-exitcode`'s status, when the caller has it.
    pub plan_exit_code: Option<i32>,
    pub forge: Option<Forge>,
    pub number: Option<u64>,
    pub details_url: Option<String>,
}

/// What was done, for the command to say.
#[derive(Debug)]
pub enum Done {
    Created { id: u64 },
    Updated { id: u64 },
    Left(&'static str),
}

pub struct Outcome {
    pub done: Done,
    pub forge: Option<Forge>,
    pub number: Option<u64>,
    /// Lines shown of the plan's lines, when the comment was cut.
    pub cut: Option<(usize, usize)>,
}

pub fn run(req: Request) -> anyhow::Result<Outcome> {
    if req.mode == Mode::Off {
        // Off needs no forge, token or pull request.
        return Ok(Outcome {
            done: Done::Left("comment: off"),
            forge: None,
            number: None,
            cut: None,
        });
    }
    let forge = forge::detect(req.forge)?;
    let target = Target::from_env(forge, req.number)?;
    let marker = comment::marker(&req.key);
    let result = PlanResult::from_exit_code(req.plan_exit_code);
    let pointer = Pointer {
        place: forge.full_plan_place(),
        url: req.details_url.or_else(|| target.details_url.clone()),
    };
    let body = comment::compose(&marker, &req.markdown, result, forge, &pointer);
    let existing = target.list()?;
    let done = match comment::decide(req.mode, result, &existing, &marker, body.text) {
        Action::Create(text) => Done::Created {
            id: target.create(&text)?,
        },
        Action::Update { id, body } => {
            target.update(id, &body)?;
            Done::Updated { id }
        }
        Action::Leave(why) => Done::Left(why),
    };
    Ok(Outcome {
        done,
        forge: Some(forge),
        number: Some(target.number),
        cut: body.cut,
    })
}

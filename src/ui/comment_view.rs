//! What `helm hooks comment` says it did, on one line (stderr).

use crate::app::comment::{Done, Outcome};

pub fn done_line(o: &Outcome) -> String {
    let on = match (o.forge, o.number) {
        (Some(f), Some(n)) => format!(" on {} {n}", f.request_noun()),
        _ => String::new(),
    };
    let cut = match o.cut {
        Some((shown, total)) => format!(" (cut: {shown} of {total} lines of the plan)"),
        None => String::new(),
    };
    match &o.done {
        Done::Created { id } => format!("helm-hooks: created comment {id}{on}{cut}"),
        Done::Updated { id } => format!("helm-hooks: updated comment {id}{on}{cut}"),
        Done::Left(why) => format!("helm-hooks: no comment posted{on}: {why}"),
    }
}

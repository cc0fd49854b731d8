//! The audit log read through its sidecar index: `audit.idx/` beside
//! `audit.jsonl`, one file per segment (`seg-START-END`, a byte range of
//! the log; see `core::audit_index`).
//!
//! The log stays the only record: the index is rebuilt from it when
//! missing, stale or corrupt, and never trusted over it. A segment is used
//! only if its header, checksum, the log's device and inode and the log's
//! bytes at both ends of its range agree; every record read through it is
//! checked to start a line and to be the run it should be, and any
//! disagreement rebuilds the index. Readers extend it: the part of the log
//! written since is indexed when it is long enough (`SAVED_FROM`), else read
//! in memory; small segments at the end are merged as they grow, so their
//! count stays small, and none spans more than `SEGMENT_MAX` bytes of log
//! (building one holds ~5% of that in memory). Writers never touch it:
//! appending stays one locked write, whatever happens to the index.

use super::audit_store::{AuditError, AuditStore};
use crate::core::audit::{Body, DamagedLine, Record, parse_line};
use crate::core::audit_index::{
    self as ix, Builder, ENTRY_SIZE, Entry, GLOBAL_SIZE, HEADER_SIZE, Header, ID_PREFIX, ID_SIZE,
    IdEntry, Identity, Keys,
};
use std::cell::{Cell, RefCell};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// An unindexed end of the log this long is indexed on disk; a shorter one
/// is read in memory on each read (a small log never gets an index).
const SAVED_FROM: u64 = 256 << 10;
/// Bytes of log one segment covers at most.
const SEGMENT_MAX: u64 = 128 << 20;

/// [`SEGMENT_MAX`], or less for tests (`HELM_HOOKS_AUDIT_SEGMENT_BYTES`,
/// at least 64 KiB): many segments from a log of a few MB.
fn segment_max() -> u64 {
    static MAX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *MAX.get_or_init(|| {
        std::env::var("HELM_HOOKS_AUDIT_SEGMENT_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n: &u64| n >= 64 << 10)
            .map_or(SEGMENT_MAX, |n| n.min(SEGMENT_MAX))
    })
}
/// Bytes read at a time when scanning the log.
const CHUNK: usize = 1 << 20;
/// Bytes of the log at each end of a segment's range its header vouches for.
const FINGERPRINT: u64 = 256;
/// Index entries read at a time while walking runs newest first.
const ENTRIES_AT_ONCE: u64 = 64;
/// A run's end at most this far after its start is read with it.
const NEAR: u64 = 16 << 10;
/// A temporary file this old was left by a build that was killed.
const STALE_TEMP: Duration = Duration::from_secs(600);

/// How much of a run to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Its start, end and resolution: what tables, baselines and
    /// durations need (a run without an end is read whole).
    Summary,
    /// Every record, the state changes too.
    Full,
}

/// A run's records, in log order, and where it starts in the log.
#[derive(Debug, Clone)]
pub struct LocalRun {
    pub start: u64,
    pub records: Vec<Record>,
}

/// What a run id (or the start of one) names.
#[derive(Debug)]
pub enum Lookup {
    Found(LocalRun),
    Unknown,
    /// How many ids start with it, and the newest few of them.
    Ambiguous {
        count: usize,
        newest: Vec<String>,
    },
}

/// Walks the runs of a release (or all) newest first; see [`LocalLog::next`].
#[derive(Debug)]
pub struct Cursor {
    release: Option<String>,
    /// Runs starting before this offset are still to come.
    bound: u64,
    generation: u64,
    seg: usize,
    idx: u64,
    chunk: Option<(usize, u64, Vec<u8>)>,
    skip_ended: bool,
}

impl Cursor {
    /// Passes over runs the index says ended or were resolved, unread.
    pub fn skip_ended(&mut self) {
        self.skip_ended = true;
    }
}

enum Fault {
    Io(io::Error),
    /// The index disagrees with the log.
    Stale,
}

impl From<io::Error> for Fault {
    fn from(e: io::Error) -> Self {
        Fault::Io(e)
    }
}

enum Blob {
    File(File),
    Mem(Vec<u8>),
}

impl Blob {
    fn read(&self, at: u64, len: usize) -> io::Result<Vec<u8>> {
        match self {
            Blob::File(f) => {
                let mut buf = vec![0; len];
                f.read_exact_at(&mut buf, at)?;
                Ok(buf)
            }
            Blob::Mem(b) => b
                .get(at as usize..at as usize + len)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "short segment")),
        }
    }
}

struct Segment {
    header: Header,
    blob: Blob,
    keys: Keys,
    loose: Vec<(u64, u64)>,
    damaged: Vec<DamagedLine>,
    /// Lines of the log before its range.
    line_base: u64,
    /// Its file; `None` in memory.
    path: Option<PathBuf>,
}

impl Segment {
    /// Where the entries of a release's runs (or of all) are, how many,
    /// and how long each is.
    fn table(&self, release: Option<&str>) -> (u64, u64, usize) {
        match release {
            None => (self.header.runs_at, self.header.runs, GLOBAL_SIZE),
            Some(r) => match self.keys.find(r) {
                Some((list_at, list_len)) => (
                    self.header.lists_at + list_at * ENTRY_SIZE as u64,
                    list_len,
                    ENTRY_SIZE,
                ),
                None => (0, 0, ENTRY_SIZE),
            },
        }
    }

    fn count(&self, release: Option<&str>) -> u64 {
        self.table(release).1
    }

    fn entry(&self, release: Option<&str>, i: u64) -> io::Result<Entry> {
        let (at, _, size) = self.table(release);
        Ok(Entry::decode(&self.blob.read(at + i * size as u64, size)?))
    }

    /// How many runs in scope start before `bound` (entries are in log order).
    fn count_before(&self, release: Option<&str>, bound: u64) -> io::Result<u64> {
        let (mut lo, mut hi) = (0, self.count(release));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.entry(release, mid)?.start < bound {
                true => lo = mid + 1,
                false => hi = mid,
            }
        }
        Ok(lo)
    }

    fn global(&self, run: u32) -> io::Result<(Entry, u32)> {
        let at = self.header.runs_at + u64::from(run) * GLOBAL_SIZE as u64;
        Ok(ix::decode_global(&self.blob.read(at, GLOBAL_SIZE)?))
    }

    fn id_entry(&self, i: u64) -> io::Result<IdEntry> {
        let at = self.header.ids_at + i * ID_SIZE as u64;
        Ok(IdEntry::decode(&self.blob.read(at, ID_SIZE)?))
    }

    /// The id table's entries whose id starts with `id` (as far as the
    /// table keeps ids).
    fn id_range(&self, id: &str) -> io::Result<(u64, u64)> {
        let want = &id.as_bytes()[..id.len().min(ID_PREFIX)];
        let below = |e: &IdEntry| e.prefix[..want.len()] < *want;
        let (mut lo, mut hi) = (0, self.header.runs);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match below(&self.id_entry(mid)?) {
                true => lo = mid + 1,
                false => hi = mid,
            }
        }
        let first = lo;
        hi = self.header.runs;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.id_entry(mid)?.prefix.starts_with(want) {
                true => lo = mid + 1,
                false => hi = mid,
            }
        }
        Ok((first, lo))
    }

    /// Offsets of loose records whose run id hashes to `hash`.
    fn loose_for(&self, hash: u64) -> impl Iterator<Item = u64> + '_ {
        let from = self.loose.partition_point(|(h, _)| *h < hash);
        self.loose[from..]
            .iter()
            .take_while(move |(h, _)| *h == hash)
            .map(|(_, o)| *o)
    }

    fn range(&self) -> (u64, u64) {
        (self.header.log_start, self.header.log_end)
    }
}

/// The local audit log, opened for reading: its indexed segments and the
/// end of it read in memory. Nothing appended after opening is read.
pub struct LocalLog {
    path: PathBuf,
    dir: PathBuf,
    log: Option<File>,
    dev: u64,
    ino: u64,
    len: Cell<u64>,
    segs: RefCell<Vec<Segment>>,
    generation: Cell<u64>,
    /// The log's bytes last read, and where they start: a run's start and
    /// end are mostly a few lines apart, and read at once.
    window: RefCell<(u64, Vec<u8>)>,
}

impl AuditStore {
    /// The log for reading, indexed; a missing log is an empty one.
    pub fn open_log(&self) -> Result<LocalLog, AuditError> {
        LocalLog::open(self)
    }

    /// Where the index of the log lives.
    pub fn index_dir(&self) -> PathBuf {
        let mut name = self.path.file_stem().unwrap_or_default().to_os_string();
        name.push(".idx");
        self.path.with_file_name(name)
    }
}

impl LocalLog {
    fn open(store: &AuditStore) -> Result<Self, AuditError> {
        let read_err = |e: io::Error| AuditError::Read {
            path: store.path.display().to_string(),
            message: e.to_string(),
        };
        let file = match File::open(&store.path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(store.read_error(e)),
        };
        let meta = match &file {
            Some(f) => Some(f.metadata().map_err(read_err)?),
            None => None,
        };
        let log = Self {
            path: store.path.clone(),
            dir: store.index_dir(),
            log: file,
            dev: meta.as_ref().map_or(0, |m| m.dev()),
            ino: meta.as_ref().map_or(0, |m| m.ino()),
            len: Cell::new(meta.as_ref().map_or(0, |m| m.len())),
            segs: RefCell::new(Vec::new()),
            generation: Cell::new(0),
            window: RefCell::new((0, Vec::new())),
        };
        if log.log.is_some() {
            log.load(false).map_err(read_err)?;
        }
        Ok(log)
    }

    fn read_err(&self, e: impl std::fmt::Display) -> AuditError {
        AuditError::Read {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// Runs recorded (of `release`, when given).
    pub fn count(&self, release: Option<&str>) -> usize {
        self.segs
            .borrow()
            .iter()
            .map(|s| s.count(release) as usize)
            .sum()
    }

    /// Every release the log has runs of.
    pub fn releases(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .segs
            .borrow()
            .iter()
            .flat_map(|s| {
                (0..s.keys.len())
                    .filter_map(|i| s.keys.name(i).map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// The first damaged lines (by line of the log), and how many there are.
    pub fn damaged(&self) -> (Vec<DamagedLine>, usize) {
        let segs = self.segs.borrow();
        let mut first = Vec::new();
        for s in segs.iter() {
            first.extend(s.damaged.iter().map(|d| DamagedLine {
                line: d.line + s.line_base as usize,
                reason: d.reason.clone(),
            }));
        }
        first.truncate(ix::DAMAGED_KEPT);
        let total = segs.iter().map(|s| s.header.damaged_total as usize).sum();
        (first, total)
    }

    /// A walk over the runs of `release` (or all), newest first, from
    /// those starting before `before` (a run's `start`) if given.
    pub fn cursor(&self, release: Option<&str>, before: Option<u64>) -> Cursor {
        Cursor {
            release: release.map(str::to_string),
            bound: before.unwrap_or(u64::MAX),
            // Not yet placed.
            generation: u64::MAX,
            seg: 0,
            idx: 0,
            chunk: None,
            skip_ended: false,
        }
    }

    /// The next run of the walk, read to `depth`. An index that turns out
    /// not to match the log is rebuilt, and the walk goes on where it was.
    pub fn next(&self, c: &mut Cursor, depth: Depth) -> Option<Result<LocalRun, AuditError>> {
        for attempt in 0..2 {
            let found = loop {
                match self.step(c) {
                    Ok(Some((e, _)))
                        if c.skip_ended && e.flags & (ix::HAS_END | ix::RESOLVED) != 0 =>
                    {
                        c.bound = e.start;
                    }
                    Ok(Some(found)) => break found,
                    Ok(None) => return None,
                    Err(e) => return Some(Err(self.read_err(e))),
                }
            };
            let read = {
                let segs = self.segs.borrow();
                self.read_run(&segs, &found.0, &found.1, depth)
            };
            match read {
                Ok(records) => {
                    c.bound = found.0.start;
                    return Some(Ok(LocalRun {
                        start: found.0.start,
                        records,
                    }));
                }
                Err(Fault::Stale) if attempt == 0 => {
                    if let Err(e) = self.rebuild() {
                        return Some(Err(self.read_err(e)));
                    }
                }
                Err(Fault::Stale) => break,
                Err(Fault::Io(e)) => return Some(Err(self.read_err(e))),
            }
        }
        Some(Err(self.read_err(
            "the log changed while it was read; run the command again",
        )))
    }

    /// Runs in the walk's scope not yet walked.
    pub fn remaining(&self, c: &mut Cursor) -> Result<usize, AuditError> {
        self.place(c).map_err(|e| self.read_err(e))?;
        let segs = self.segs.borrow();
        let before: u64 = segs[..c.seg.min(segs.len())]
            .iter()
            .map(|s| s.count(c.release.as_deref()))
            .sum();
        Ok((before + c.idx) as usize)
    }

    /// Puts the walk at its bound in the current segments.
    fn place(&self, c: &mut Cursor) -> io::Result<()> {
        if c.generation == self.generation.get() {
            return Ok(());
        }
        let segs = self.segs.borrow();
        c.chunk = None;
        c.generation = self.generation.get();
        c.seg = segs.partition_point(|s| s.header.log_start < c.bound);
        c.idx = 0;
        if c.seg > 0 {
            c.seg -= 1;
            c.idx = segs[c.seg].count_before(c.release.as_deref(), c.bound)?;
        }
        Ok(())
    }

    /// The next entry of the walk (the walk's bound moves once it is read).
    fn step(&self, c: &mut Cursor) -> io::Result<Option<(Entry, String)>> {
        self.place(c)?;
        let segs = self.segs.borrow();
        if segs.is_empty() {
            return Ok(None);
        }
        let release = c.release.as_deref();
        while c.idx == 0 {
            if c.seg == 0 {
                return Ok(None);
            }
            c.seg -= 1;
            c.idx = segs[c.seg].count(release);
        }
        c.idx -= 1;
        let seg = &segs[c.seg];
        let (at, _, size) = seg.table(release);
        let fresh = matches!(&c.chunk, Some((s, first, _)) if *s == c.seg && *first <= c.idx);
        if !fresh {
            let first = (c.idx + 1).saturating_sub(ENTRIES_AT_ONCE);
            let bytes = seg.blob.read(
                at + first * size as u64,
                ((c.idx + 1 - first) as usize) * size,
            )?;
            c.chunk = Some((c.seg, first, bytes));
        }
        let (_, first, bytes) = c.chunk.as_ref().expect("just read");
        let raw = &bytes[((c.idx - first) as usize) * size..][..size];
        let entry = Entry::decode(raw);
        let name = match release {
            Some(r) => r.to_string(),
            None => {
                let (_, key) = ix::decode_global(raw);
                match seg.keys.name(key as usize) {
                    Some(k) => k.to_string(),
                    // A key number the table lacks: corrupt; the read
                    // of its start fails and rebuilds.
                    None => String::new(),
                }
            }
        };
        Ok(Some((entry, name)))
    }

    /// The run at `entry`, checked against the log.
    fn read_run(
        &self,
        segs: &[Segment],
        entry: &Entry,
        release: &str,
        depth: Depth,
    ) -> Result<Vec<Record>, Fault> {
        let span = entry.stop.saturating_sub(entry.start);
        if depth == Depth::Summary && entry.has_end() && span < NEAR {
            // The end a few lines on: one read for both.
            self.read_window(entry.start.saturating_sub(1), span + 2048)?;
        }
        let (line, after_start) = self.line_at(entry.start)?.ok_or(Fault::Stale)?;
        let start = parse_line(&line).map_err(|_| Fault::Stale)?;
        match &start.body {
            Body::RunStarted(s) if s.release == release => {}
            _ => return Err(Fault::Stale),
        }
        let id = start.run.clone();
        let mut records = vec![(entry.start, start)];
        if entry.stop != entry.start {
            match (depth, entry.has_end()) {
                (Depth::Summary, true) => {
                    let (line, _) = self.line_at(entry.stop)?.ok_or(Fault::Stale)?;
                    let end = parse_line(&line).map_err(|_| Fault::Stale)?;
                    if end.run != id || !matches!(end.body, Body::RunEnded(_)) {
                        return Err(Fault::Stale);
                    }
                    records.push((entry.stop, end));
                }
                _ => self.span(after_start, entry.stop, &id, &mut records)?,
            }
        }
        let hash = ix::fnv64(id.as_bytes());
        for seg in segs {
            for at in seg.loose_for(hash).filter(|&at| at > entry.start) {
                let (line, _) = self.line_at(at)?.ok_or(Fault::Stale)?;
                let r = parse_line(&line).map_err(|_| Fault::Stale)?;
                // Another id of the same hash is not this run's.
                if r.run == id {
                    records.push((at, r));
                }
            }
        }
        records.sort_by_key(|(at, _)| *at);
        Ok(records.into_iter().map(|(_, r)| r).collect())
    }

    /// The run's records after its start up to the one at `stop` (which
    /// must be the run's); resolutions come through `loose`.
    fn span(
        &self,
        from: u64,
        stop: u64,
        id: &str,
        out: &mut Vec<(u64, Record)>,
    ) -> Result<(), Fault> {
        let (last, _) = self.line_at(stop)?.ok_or(Fault::Stale)?;
        let mut ok = true;
        self.scan(from, stop, |at, line| {
            if let Ok(r) = parse_line(line)
                && r.run == id
                && !matches!(r.body, Body::RunResolved(_) | Body::RunStarted(_))
            {
                out.push((at, r));
            }
            true
        })?;
        match parse_line(&last) {
            Ok(r) if r.run == id && !matches!(r.body, Body::RunStarted(_)) => {
                if !matches!(r.body, Body::RunResolved(_)) {
                    out.push((stop, r));
                }
            }
            _ => ok = false,
        }
        match ok {
            true => Ok(()),
            false => Err(Fault::Stale),
        }
    }

    /// The line starting at `at` (without its newline) and where the next
    /// one starts; `None` when `at` starts no line.
    fn line_at(&self, at: u64) -> io::Result<Option<(Vec<u8>, u64)>> {
        let len = self.len.get();
        if self.log.is_none() || at >= len {
            return Ok(None);
        }
        let from = at.saturating_sub(1);
        // Most records are under 2 KiB (a start with its timeline, an end
        // with its hooks).
        let mut want = 2048u64;
        loop {
            if let Some(found) = self.line_in_window(at, len) {
                return Ok(found);
            }
            self.read_window(from, want)?;
            want *= 4;
        }
    }

    /// Reads `want` bytes of the log (fewer at its end) from `from` into
    /// the window.
    fn read_window(&self, from: u64, want: u64) -> io::Result<()> {
        let Some(file) = &self.log else {
            return Ok(());
        };
        let n = want.min(self.len.get().saturating_sub(from)) as usize;
        let mut window = self.window.borrow_mut();
        window.0 = from;
        window.1.resize(n, 0);
        if let Err(e) = file.read_exact_at(&mut window.1, from) {
            window.1.clear();
            return Err(e);
        }
        Ok(())
    }

    /// [`Self::line_at`] answered from the window, if it holds the line
    /// whole (with the byte before it).
    fn line_in_window(&self, at: u64, len: u64) -> Option<Option<(Vec<u8>, u64)>> {
        let window = self.window.borrow();
        let (start, bytes) = (window.0, &window.1);
        let from = at.saturating_sub(1);
        if from < start || from >= start + bytes.len() as u64 {
            return None;
        }
        let before = (from - start) as usize;
        if at > 0 && bytes[before] != b'\n' {
            return Some(None);
        }
        let body = &bytes[before + (at - from) as usize..];
        match memchr::memchr(b'\n', body) {
            Some(p) => Some(Some((body[..p].to_vec(), at + p as u64 + 1))),
            None if start + bytes.len() as u64 == len => Some(Some((body.to_vec(), len))),
            None => None,
        }
    }

    /// Calls `f` with each line in `[from, to)` and its offset, until it
    /// returns false; a last line without its newline counts when `to`
    /// is the log's end. Returns where the lines `f` took end.
    fn scan(&self, from: u64, to: u64, mut f: impl FnMut(u64, &[u8]) -> bool) -> io::Result<u64> {
        let Some(file) = &self.log else {
            return Ok(from);
        };
        let mut buf: Vec<u8> = Vec::new();
        let (mut pos, mut read) = (from, from);
        loop {
            if read < to {
                let n = (CHUNK as u64).min(to - read) as usize;
                let old = buf.len();
                buf.resize(old + n, 0);
                file.read_exact_at(&mut buf[old..], read)?;
                read += n as u64;
            }
            let mut used = 0;
            while let Some(p) = memchr::memchr(b'\n', &buf[used..]) {
                if !f(pos + used as u64, &buf[used..used + p]) {
                    return Ok(pos + used as u64);
                }
                used += p + 1;
            }
            if read >= to {
                if used < buf.len() {
                    if !f(pos + used as u64, &buf[used..]) {
                        return Ok(pos + used as u64);
                    }
                    used = buf.len();
                }
                return Ok(pos + used as u64);
            }
            buf.drain(..used);
            pos += used as u64;
        }
    }

    /// A run by its id, or the one id starting with `id`; with `release`,
    /// among that release's runs only. An exact id wins over being the
    /// start of others.
    pub fn find(&self, id: &str, release: Option<&str>) -> Result<Lookup, AuditError> {
        for attempt in 0..2 {
            match self.find_once(id, release) {
                Ok(found) => return Ok(found),
                Err(Fault::Stale) if attempt == 0 => {
                    self.rebuild().map_err(|e| self.read_err(e))?
                }
                Err(Fault::Stale) => break,
                Err(Fault::Io(e)) => return Err(self.read_err(e)),
            }
        }
        Err(self.read_err("the log changed while it was read; run the command again"))
    }

    fn find_once(&self, id: &str, release: Option<&str>) -> Result<Lookup, Fault> {
        let segs = self.segs.borrow();
        // (segment, run number, id length), newest segment first.
        let mut candidates: Vec<(usize, u32, usize)> = Vec::new();
        for (s, seg) in segs.iter().enumerate().rev() {
            if id.is_empty() {
                break;
            }
            let (lo, hi) = seg.id_range(id)?;
            for i in lo..hi {
                let e = seg.id_entry(i)?;
                if usize::from(e.len) < id.len().min(255) {
                    continue;
                }
                if let Some(r) = release {
                    let (_, key) = seg.global(e.run)?;
                    if seg.keys.name(key as usize).is_none_or(|k| k != r) {
                        continue;
                    }
                }
                candidates.push((s, e.run, usize::from(e.len)));
            }
        }
        // Newest first: by segment, then by place in the log.
        candidates.sort_by_key(|c| std::cmp::Reverse((c.0, c.1)));
        let mut matching = Vec::new();
        for &(s, run, len) in &candidates {
            // Ids longer than the table keeps are told apart in the log.
            let full = match len > ID_PREFIX || id.len() > ID_PREFIX {
                true => self.run_id(&segs[s], run)?,
                false => None,
            };
            if let Some(full) = &full
                && !full.starts_with(id)
            {
                continue;
            }
            let exact = full.as_deref().map_or(len == id.len(), |f| f == id);
            if exact {
                return Ok(Lookup::Found(self.read_numbered(&segs, s, run)?));
            }
            matching.push((s, run));
        }
        match matching.as_slice() {
            [] => Ok(Lookup::Unknown),
            [(s, run)] => Ok(Lookup::Found(self.read_numbered(&segs, *s, *run)?)),
            many => {
                let mut newest = Vec::new();
                for &(s, run) in many.iter().take(3) {
                    newest.push(self.run_id(&segs[s], run)?.unwrap_or_default());
                }
                Ok(Lookup::Ambiguous {
                    count: many.len(),
                    newest,
                })
            }
        }
    }

    /// The id of run number `run` of a segment, from its start record.
    fn run_id(&self, seg: &Segment, run: u32) -> Result<Option<String>, Fault> {
        let (entry, _) = seg.global(run)?;
        let (line, _) = self.line_at(entry.start)?.ok_or(Fault::Stale)?;
        Ok(Some(parse_line(&line).map_err(|_| Fault::Stale)?.run))
    }

    fn read_numbered(&self, segs: &[Segment], s: usize, run: u32) -> Result<LocalRun, Fault> {
        let (entry, key) = segs[s].global(run)?;
        let release = segs[s].keys.name(key as usize).ok_or(Fault::Stale)?;
        let records = self.read_run(segs, &entry, release, Depth::Full)?;
        Ok(LocalRun {
            start: entry.start,
            records,
        })
    }

    /// Deletes every segment and indexes the log again (it disagreed).
    fn rebuild(&self) -> io::Result<()> {
        tracing::debug!(dir = %self.dir.display(), "audit index disagrees with the log; rebuilding");
        self.load(true)
    }

    /// Reads the saved segments that match the log, indexes what they do
    /// not cover (saving it when long enough), and reads the rest in
    /// memory. `fresh`: drop every saved segment first.
    fn load(&self, fresh: bool) -> io::Result<()> {
        let file = self.log.as_ref().expect("a log to load");
        let meta = file.metadata()?;
        let len = meta.len().max(self.len.get());
        self.len.set(len);
        let complete = self.complete_end(len)?;
        let mut chain = match fresh {
            true => {
                let _lock = self.lock();
                self.remove_saved();
                Vec::new()
            }
            false => self.saved_chain(complete, false),
        };
        let covered = chain.last().map_or(0, |s: &Segment| s.header.log_end);
        if complete.saturating_sub(covered) >= SAVED_FROM {
            chain = self.extend(chain, complete)?;
        }
        let covered = chain.last().map_or(0, |s| s.header.log_end);
        if len > covered {
            let (bytes, end) = self.build(covered, len, false)?;
            chain.push(self.in_memory(bytes, end)?);
        }
        let mut lines = 0;
        for s in chain.iter_mut() {
            s.line_base = lines;
            lines += s.header.lines;
        }
        *self.segs.borrow_mut() = chain;
        self.window.borrow_mut().1.clear();
        self.generation.set(self.generation.get().wrapping_add(1));
        Ok(())
    }

    /// Where the log's last whole line ends.
    fn complete_end(&self, len: u64) -> io::Result<u64> {
        let file = self.log.as_ref().expect("a log");
        let mut end = len;
        while end > 0 {
            let from = end.saturating_sub(CHUNK as u64 / 16);
            let mut buf = vec![0; (end - from) as usize];
            file.read_exact_at(&mut buf, from)?;
            if let Some(p) = memchr::memrchr(b'\n', &buf) {
                return Ok(from + p as u64 + 1);
            }
            end = from;
        }
        Ok(0)
    }

    /// The saved segments that tile the log from its start, longest first
    /// where several start at the same place; segments that do not match
    /// the log, and leftovers the chain supersedes, are deleted when
    /// `tidy` (under the builders' lock).
    fn saved_chain(&self, complete: u64, tidy: bool) -> Vec<Segment> {
        let mut saved = self.saved_names();
        saved.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
        let mut chain: Vec<Segment> = Vec::new();
        let mut pos = 0;
        for (start, end, path) in &saved {
            if *start != pos || *end > complete {
                continue;
            }
            match self.load_saved(path, *start, *end) {
                Some(seg) => {
                    pos = *end;
                    chain.push(seg);
                }
                None if tidy => {
                    let _ = fs::remove_file(path);
                }
                None => {}
            }
        }
        for (start, _, path) in saved.iter().filter(|_| tidy) {
            if *start < pos && !chain.iter().any(|s| s.path.as_ref() == Some(path)) {
                let _ = fs::remove_file(path);
            }
        }
        chain
    }

    /// `(start, end, path)` of each segment file; temporary files of
    /// builds killed long ago are deleted.
    fn saved_names(&self) -> Vec<(u64, u64, PathBuf)> {
        let Ok(dir) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") {
                let old = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > STALE_TEMP);
                if old {
                    let _ = fs::remove_file(e.path());
                }
                continue;
            }
            let range = name
                .strip_prefix("seg-")
                .and_then(|r| r.split_once('-'))
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
            if let Some((start, end)) = range
                && start < end
            {
                out.push((start, end, e.path()));
            }
        }
        out
    }

    fn load_saved(&self, path: &Path, start: u64, end: u64) -> Option<Segment> {
        let file = File::open(path).ok()?;
        let mut head = [0u8; HEADER_SIZE];
        file.read_exact_at(&mut head, 0).ok()?;
        let header = Header::decode(&head)?;
        let fits = header.log_start == start
            && header.log_end == end
            && file.metadata().ok()?.len() == header.len
            && header.identity == self.identity(start, end).ok()?;
        if !fits {
            return None;
        }
        let read = |from: u64, to: u64| -> Option<Vec<u8>> {
            let mut buf = vec![0; usize::try_from(to.checked_sub(from)?).ok()?];
            file.read_exact_at(&mut buf, from).ok()?;
            Some(buf)
        };
        let keys = read(header.keys_at, header.runs_at)?;
        let loose = read(header.loose_at, header.damaged_at)?;
        let damaged = read(header.damaged_at, header.len)?;
        if header.sum(&keys, &loose, &damaged) != header.checksum {
            return None;
        }
        Some(Segment {
            keys: Keys::decode(keys, header.keys)?,
            loose: ix::decode_loose(&loose),
            damaged: ix::decode_damaged(&damaged, header.damaged)?,
            header,
            blob: Blob::File(file),
            line_base: 0,
            path: Some(path.to_path_buf()),
        })
    }

    /// The log's file and the bytes at both ends of `[start, end)`.
    fn identity(&self, start: u64, end: u64) -> io::Result<Identity> {
        let file = self.log.as_ref().expect("a log");
        let sum = |from: u64, to: u64| -> io::Result<u64> {
            let mut buf = vec![0; (to - from) as usize];
            file.read_exact_at(&mut buf, from)?;
            Ok(ix::checksum(&buf))
        };
        Ok(Identity {
            dev: self.dev,
            ino: self.ino,
            head: sum(start, end.min(start + FINGERPRINT))?,
            tail: sum(end.saturating_sub(FINGERPRINT).max(start), end)?,
        })
    }

    /// Indexes `[covered, complete)` on disk, merging the small segments
    /// at the end into it while they are no longer than twice what is
    /// new. Where the index cannot be written, it is kept in memory.
    fn extend(&self, chain: Vec<Segment>, complete: u64) -> io::Result<Vec<Segment>> {
        let lock = self.lock();
        // Another reader may have done it while this one waited.
        let mut chain = match lock {
            Some(_) => self.saved_chain(complete, true),
            None => chain,
        };
        let covered = chain.last().map_or(0, |s| s.header.log_end);
        if complete.saturating_sub(covered) < SAVED_FROM {
            return Ok(chain);
        }
        let mut from = covered;
        let mut merged = Vec::new();
        while let Some(last) = chain.last() {
            let (start, end) = last.range();
            if last.path.is_none()
                || end - start > 2 * (complete - from)
                || complete - start > segment_max()
            {
                break;
            }
            from = start;
            merged.push(chain.pop().expect("a last segment"));
        }
        while from < complete {
            let (bytes, end) = self.build(from, complete, true)?;
            let seg = match lock.is_some() {
                true => self.save(&bytes, from, end).ok(),
                false => None,
            };
            chain.push(match seg {
                Some(seg) => seg,
                None => self.in_memory(bytes, end)?,
            });
            from = end;
        }
        for old in merged {
            if let Some(p) = &old.path
                && !chain.iter().any(|s| s.path.as_ref() == Some(p))
            {
                let _ = fs::remove_file(p);
            }
        }
        Ok(chain)
    }

    /// A segment of `[from, to)` (at most `SEGMENT_MAX` of it, ending at a
    /// line's end, when `capped`), and where it ends.
    fn build(&self, from: u64, to: u64, capped: bool) -> io::Result<(Vec<u8>, u64)> {
        let mut b = Builder::new(from);
        let end = self.scan(from, to, |at, line| {
            if capped && at - from >= segment_max() {
                return false;
            }
            b.line(at, line);
            true
        })?;
        let identity = self.identity(from, end)?;
        Ok((b.finish(end, identity), end))
    }

    fn in_memory(&self, bytes: Vec<u8>, end: u64) -> io::Result<Segment> {
        let bad = || io::Error::other("a segment built in memory does not decode");
        let header = Header::decode(&bytes).ok_or_else(bad)?;
        debug_assert_eq!(header.log_end, end);
        let section = |a: u64, b: u64| &bytes[a as usize..b as usize];
        Ok(Segment {
            keys: Keys::decode(
                section(header.keys_at, header.runs_at).to_vec(),
                header.keys,
            )
            .ok_or_else(bad)?,
            loose: ix::decode_loose(section(header.loose_at, header.damaged_at)),
            damaged: ix::decode_damaged(section(header.damaged_at, header.len), header.damaged)
                .ok_or_else(bad)?,
            header,
            blob: Blob::Mem(bytes),
            line_base: 0,
            path: None,
        })
    }

    /// Writes a segment beside the log (a temporary file renamed into
    /// place: a reader sees all of it or none) and opens it.
    fn save(&self, bytes: &[u8], from: u64, end: u64) -> io::Result<Segment> {
        let path = self.dir.join(format!("seg-{from}-{end}"));
        let temp = self
            .dir
            .join(format!(".tmp-{}-{from}-{end}", std::process::id()));
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)?;
        let written = io::Write::write_all(&mut f, bytes).and_then(|_| fs::rename(&temp, &path));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        self.load_saved(&path, from, end)
            .ok_or_else(|| io::Error::other("a segment just written does not read back"))
    }

    /// Serializes index builders (a second one waits, then finds the work
    /// done); `None` when the index folder cannot be made or locked: then
    /// nothing is saved.
    fn lock(&self) -> Option<File> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .ok()?;
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(self.dir.join("lock"))
            .ok()?;
        f.lock().ok()?;
        Some(f)
    }

    fn remove_saved(&self) {
        for (_, _, path) in self.saved_names() {
            let _ = fs::remove_file(path);
        }
    }
}

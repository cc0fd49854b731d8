//! The audit log's sidecar index, as data: what one segment (a byte range
//! of the log) says of the runs that start in it, and its encoding.
//!
//! A segment lists each run started in its range (the offset of its start
//! record and of its last record, which is its end once it has one), the
//! runs of each release, the run ids in sorted order, the records it could
//! not tie to a run of its own (`loose`: resolutions, records of runs that
//! started before the range or had ended) and its damaged lines. It only
//! ever points into the log: readers check every record they read through
//! it, and a segment that disagrees with the log is rebuilt from the log.

use super::audit::{Body, DamagedLine, Record, parse_line};
use std::collections::HashMap;

pub const MAGIC: &[u8; 8] = b"HHAUDX01";
/// Bytes of a run id kept in the id table; longer ids are checked in the log.
pub const ID_PREFIX: usize = 24;
/// The run's last record (`stop`) is its end.
pub const HAS_END: u8 = 1;
/// A later run recorded what became of it (in this segment).
pub const RESOLVED: u8 = 2;
/// Damaged lines named per segment; the rest are counted.
pub const DAMAGED_KEPT: usize = 10;

pub const ENTRY_SIZE: usize = 16;
pub const GLOBAL_SIZE: usize = 20;
pub const ID_SIZE: usize = 32;
pub const LOOSE_SIZE: usize = 16;
const HEADER_FIELDS: usize = 21;
pub const HEADER_SIZE: usize = 8 + HEADER_FIELDS * 8;

/// FNV-1a: stable across builds and platforms, as a file format needs
/// (for run ids: short).
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// FNV's multiply a word at a time: a checksum for tables and a
/// fingerprint of log bytes, stable across builds, cheap on every read.
pub fn checksum(bytes: &[u8]) -> u64 {
    checksum_of_parts(&[bytes])
}

/// [`checksum`] of the parts one after the other, without joining them.
pub fn checksum_of_parts(parts: &[&[u8]]) -> u64 {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ len as u64;
    // A word split between two parts.
    let (mut carry, mut carried) = ([0u8; 8], 0);
    for part in parts {
        let mut rest = *part;
        if carried > 0 {
            let take = (8 - carried).min(rest.len());
            carry[carried..carried + take].copy_from_slice(&rest[..take]);
            carried += take;
            rest = &rest[take..];
            if carried < 8 {
                continue;
            }
            h = (h ^ u64::from_le_bytes(carry))
                .wrapping_mul(0x0100_0000_01b3)
                .rotate_left(29);
        }
        let mut words = rest.chunks_exact(8);
        for w in &mut words {
            let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            h = (h ^ w).wrapping_mul(0x0100_0000_01b3).rotate_left(29);
        }
        let tail = words.remainder();
        carry[..tail.len()].copy_from_slice(tail);
        carried = tail.len();
    }
    for b in &carry[..carried] {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A run as a segment knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Offset of its start record.
    pub start: u64,
    /// Offset of its last record in the segment (its end with `HAS_END`).
    pub stop: u64,
    pub flags: u8,
}

impl Entry {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.start.to_le_bytes());
        let stop = (self.stop & ((1 << 56) - 1)) | (u64::from(self.flags) << 56);
        out.extend_from_slice(&stop.to_le_bytes());
    }

    pub fn decode(b: &[u8]) -> Self {
        let stop = u64_at(b, 8);
        Self {
            start: u64_at(b, 0),
            stop: stop & ((1 << 56) - 1),
            flags: (stop >> 56) as u8,
        }
    }

    pub fn has_end(&self) -> bool {
        self.flags & HAS_END != 0
    }
}

/// An entry of the segment's run table (all runs, in log order), with
/// the number of its release in the key table.
pub fn decode_global(b: &[u8]) -> (Entry, u32) {
    (Entry::decode(b), u32_at(b, ENTRY_SIZE))
}

/// An entry of the id table: the id's first bytes (zero-padded), its
/// length, and the run's number in the run table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdEntry {
    pub prefix: [u8; ID_PREFIX],
    pub len: u8,
    pub run: u32,
}

impl IdEntry {
    pub fn of(id: &str, run: u32) -> Self {
        let mut prefix = [0u8; ID_PREFIX];
        let n = id.len().min(ID_PREFIX);
        prefix[..n].copy_from_slice(&id.as_bytes()[..n]);
        Self {
            prefix,
            len: id.len().min(255) as u8,
            run,
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.prefix);
        out.push(self.len);
        out.extend_from_slice(&[0; 3]);
        out.extend_from_slice(&self.run.to_le_bytes());
    }

    pub fn decode(b: &[u8]) -> Self {
        let mut prefix = [0u8; ID_PREFIX];
        prefix.copy_from_slice(&b[..ID_PREFIX]);
        Self {
            prefix,
            len: b[ID_PREFIX],
            run: u32_at(b, ID_PREFIX + 4),
        }
    }
}

/// What the header says: the log range, how the log looked (to tell a
/// replaced or rewritten log), and where each table is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub log_start: u64,
    pub log_end: u64,
    /// Lines in the range (for line numbers of damaged lines).
    pub lines: u64,
    pub identity: Identity,
    pub runs: u64,
    pub keys: u64,
    pub loose: u64,
    pub damaged: u64,
    pub damaged_total: u64,
    pub keys_at: u64,
    pub runs_at: u64,
    pub lists_at: u64,
    pub ids_at: u64,
    pub loose_at: u64,
    pub damaged_at: u64,
    pub len: u64,
    /// Of the header and the tables read whole (keys, loose, damaged).
    pub checksum: u64,
}

/// The log a segment was built from: its file, and the bytes at both ends
/// of the range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Identity {
    pub dev: u64,
    pub ino: u64,
    pub head: u64,
    pub tail: u64,
}

impl Header {
    fn fields(&self) -> [u64; HEADER_FIELDS] {
        [
            self.log_start,
            self.log_end,
            self.lines,
            self.identity.dev,
            self.identity.ino,
            self.identity.head,
            self.identity.tail,
            self.runs,
            self.keys,
            self.loose,
            self.damaged,
            self.damaged_total,
            self.keys_at,
            self.runs_at,
            self.lists_at,
            self.ids_at,
            self.loose_at,
            self.damaged_at,
            self.len,
            0,
            self.checksum,
        ]
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for f in self.fields() {
            out.extend_from_slice(&f.to_le_bytes());
        }
        out
    }

    pub fn decode(b: &[u8]) -> Option<Self> {
        if b.len() < HEADER_SIZE || &b[..8] != MAGIC {
            return None;
        }
        let f = |i: usize| u64_at(b, 8 + i * 8);
        let h = Self {
            log_start: f(0),
            log_end: f(1),
            lines: f(2),
            identity: Identity {
                dev: f(3),
                ino: f(4),
                head: f(5),
                tail: f(6),
            },
            runs: f(7),
            keys: f(8),
            loose: f(9),
            damaged: f(10),
            damaged_total: f(11),
            keys_at: f(12),
            runs_at: f(13),
            lists_at: f(14),
            ids_at: f(15),
            loose_at: f(16),
            damaged_at: f(17),
            len: f(18),
            checksum: f(20),
        };
        h.consistent().then_some(h)
    }

    /// Tables in order, each of the size its count says.
    fn consistent(&self) -> bool {
        let ids_end = self.runs.checked_mul(ID_SIZE as u64);
        let sizes = [
            (HEADER_SIZE as u64, self.keys_at),
            (self.keys_at, self.runs_at),
            (
                self.runs_at + self.runs.saturating_mul(GLOBAL_SIZE as u64),
                self.lists_at,
            ),
            (
                self.lists_at + self.runs.saturating_mul(ENTRY_SIZE as u64),
                self.ids_at,
            ),
            (
                self.ids_at.saturating_add(ids_end.unwrap_or(u64::MAX)),
                self.loose_at,
            ),
            (
                self.loose_at + self.loose.saturating_mul(LOOSE_SIZE as u64),
                self.damaged_at,
            ),
            (self.damaged_at, self.len),
        ];
        self.log_start <= self.log_end
            && sizes.iter().enumerate().all(|(i, (a, b))| match i {
                // Variable-length tables: only their order is known.
                0 | 1 | 6 => a <= b,
                _ => a == b,
            })
    }

    /// The checksum over this header (without it) and the whole tables.
    pub fn sum(&self, keys: &[u8], loose: &[u8], damaged: &[u8]) -> u64 {
        let mut fields = Vec::new();
        for f in &self.fields()[..HEADER_FIELDS - 1] {
            fields.extend_from_slice(&f.to_le_bytes());
        }
        checksum_of_parts(&[&fields, keys, loose, damaged])
    }
}

/// The releases of a segment, by name: each one's runs are `list_len`
/// entries of the lists table from `list_at`, oldest first. Kept as read
/// (names are not copied out: a segment is opened on every read).
#[derive(Debug, Clone, Default)]
pub struct Keys {
    raw: Vec<u8>,
    /// Where each entry starts in `raw`: its name's length (4 bytes), the
    /// name, its list_at and list_len (8 bytes each).
    at: Vec<u32>,
}

impl Keys {
    pub fn decode(raw: Vec<u8>, count: u64) -> Option<Self> {
        u32::try_from(raw.len()).ok()?;
        let mut at = Vec::with_capacity(usize::try_from(count).ok()?.min(raw.len() / 20));
        let mut pos = 0;
        for _ in 0..count {
            let n = u32_at(raw.get(pos..pos + 4)?, 0) as usize;
            // Checked whole by the table's checksum; a name is checked
            // again when it is read (`name`).
            raw.get(pos + 4 + n..pos + 4 + n + 16)?;
            at.push(pos as u32);
            pos += 4 + n + 16;
        }
        (pos == raw.len()).then_some(Self { raw, at })
    }

    pub fn len(&self) -> usize {
        self.at.len()
    }

    fn name_bytes(&self, entry: u32) -> &[u8] {
        let at = entry as usize;
        let n = u32_at(&self.raw, at) as usize;
        &self.raw[at + 4..at + 4 + n]
    }

    pub fn name(&self, i: usize) -> Option<&str> {
        std::str::from_utf8(self.name_bytes(*self.at.get(i)?)).ok()
    }

    /// `(list_at, list_len)` of a release.
    pub fn find(&self, release: &str) -> Option<(u64, u64)> {
        let i = self
            .at
            .binary_search_by(|&e| self.name_bytes(e).cmp(release.as_bytes()))
            .ok()?;
        let name = self.name_bytes(self.at[i]);
        let fields = self.at[i] as usize + 4 + name.len();
        Some((u64_at(&self.raw, fields), u64_at(&self.raw, fields + 8)))
    }
}

pub fn decode_loose(b: &[u8]) -> Vec<(u64, u64)> {
    b.chunks_exact(LOOSE_SIZE)
        .map(|c| (u64_at(c, 0), u64_at(c, 8)))
        .collect()
}

pub fn decode_damaged(mut b: &[u8], count: u64) -> Option<Vec<DamagedLine>> {
    let mut out = Vec::new();
    for _ in 0..count {
        let head = b.get(..12)?;
        let n = u32_at(head, 8) as usize;
        let reason = std::str::from_utf8(b.get(12..12 + n)?).ok()?.to_string();
        out.push(DamagedLine {
            line: usize::try_from(u64_at(head, 0)).ok()?,
            reason,
        });
        b = &b[12 + n..];
    }
    b.is_empty().then_some(out)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

struct BuiltRun {
    entry: Entry,
    key: u32,
    id: String,
    dead: bool,
}

/// Builds one segment from the log's lines of its range, in order.
pub struct Builder {
    log_start: u64,
    lines: u64,
    runs: Vec<BuiltRun>,
    keys: Vec<String>,
    key_of: HashMap<String, u32>,
    /// Runs started and not ended: where their next records go.
    open: HashMap<String, usize>,
    loose: Vec<(u64, u64)>,
    damaged: Vec<DamagedLine>,
    damaged_total: u64,
}

impl Builder {
    pub fn new(log_start: u64) -> Self {
        Self {
            log_start,
            lines: 0,
            runs: Vec::new(),
            keys: Vec::new(),
            key_of: HashMap::new(),
            open: HashMap::new(),
            loose: Vec::new(),
            damaged: Vec::new(),
            damaged_total: 0,
        }
    }

    /// One line of the log (without its newline) at `offset`.
    pub fn line(&mut self, offset: u64, line: &[u8]) {
        self.lines += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        match parse_line(line) {
            Ok(record) => self.record(offset, record),
            Err(reason) => {
                self.damaged_total += 1;
                if self.damaged.len() < DAMAGED_KEPT {
                    self.damaged.push(DamagedLine {
                        line: self.lines as usize,
                        reason,
                    });
                }
            }
        }
    }

    fn record(&mut self, offset: u64, r: Record) {
        match r.body {
            Body::RunStarted(start) => {
                let next = self.keys.len() as u32;
                let key = *self.key_of.entry(start.release.clone()).or_insert(next);
                if key == next {
                    self.keys.push(start.release);
                }
                let index = self.runs.len();
                // A second start of an open id replaces the run, as the
                // fold does.
                if let Some(old) = self.open.insert(r.run.clone(), index) {
                    self.runs[old].dead = true;
                }
                self.runs.push(BuiltRun {
                    entry: Entry {
                        start: offset,
                        stop: offset,
                        flags: 0,
                    },
                    key,
                    id: r.run,
                    dead: false,
                });
            }
            Body::HookState(_) | Body::RunEnded(_) => match self.open.get(&r.run) {
                Some(&i) => {
                    self.runs[i].entry.stop = offset;
                    if matches!(r.body, Body::RunEnded(_)) {
                        self.runs[i].entry.flags |= HAS_END;
                        self.open.remove(&r.run);
                    }
                }
                None => self.loose.push((fnv64(r.run.as_bytes()), offset)),
            },
            // Written later, by another run: always found through `loose`.
            Body::RunResolved(_) => {
                if let Some(&i) = self.open.get(&r.run) {
                    self.runs[i].entry.flags |= RESOLVED;
                }
                self.loose.push((fnv64(r.run.as_bytes()), offset));
            }
        }
    }

    /// The segment's bytes, for the range up to `log_end`.
    pub fn finish(mut self, log_end: u64, identity: Identity) -> Vec<u8> {
        // A run id started twice: the newest start is the run, as the fold
        // says (`open` caught those still open at the second start).
        let mut by_id: Vec<usize> = (0..self.runs.len())
            .filter(|&i| !self.runs[i].dead)
            .collect();
        by_id.sort_by(|&a, &b| self.runs[a].id.cmp(&self.runs[b].id).then(a.cmp(&b)));
        for w in by_id.windows(2) {
            if self.runs[w[0]].id == self.runs[w[1]].id {
                self.runs[w[0]].dead = true;
            }
        }
        let mut number = vec![u32::MAX; self.runs.len()];
        let mut alive = 0u32;
        for (i, r) in self.runs.iter().enumerate() {
            if !r.dead {
                number[i] = alive;
                alive += 1;
            }
        }
        let mut key_order: Vec<u32> = (0..self.keys.len() as u32).collect();
        key_order.sort_by(|&a, &b| self.keys[a as usize].cmp(&self.keys[b as usize]));
        let mut rank = vec![0u32; self.keys.len()];
        for (pos, &k) in key_order.iter().enumerate() {
            rank[k as usize] = pos as u32;
        }
        let mut per_key: Vec<Vec<Entry>> = vec![Vec::new(); self.keys.len()];
        let mut global = Vec::with_capacity(alive as usize * GLOBAL_SIZE);
        for r in self.runs.iter().filter(|r| !r.dead) {
            per_key[rank[r.key as usize] as usize].push(r.entry);
            r.entry.encode(&mut global);
            global.extend_from_slice(&rank[r.key as usize].to_le_bytes());
        }
        let (mut keys, mut lists) = (Vec::new(), Vec::new());
        let mut list_at = 0u64;
        let mut n_keys = 0u64;
        for (pos, &k) in key_order.iter().enumerate() {
            let entries = &per_key[pos];
            if entries.is_empty() {
                continue;
            }
            let name = self.keys[k as usize].as_bytes();
            keys.extend_from_slice(&(name.len() as u32).to_le_bytes());
            keys.extend_from_slice(name);
            keys.extend_from_slice(&list_at.to_le_bytes());
            keys.extend_from_slice(&(entries.len() as u64).to_le_bytes());
            for e in entries {
                e.encode(&mut lists);
            }
            list_at += entries.len() as u64;
            n_keys += 1;
        }
        // Key numbers in the run table count listed keys only.
        renumber_keys(&mut global, &per_key);
        let mut ids: Vec<IdEntry> = by_id
            .iter()
            .filter(|&&i| !self.runs[i].dead)
            .map(|&i| IdEntry::of(&self.runs[i].id, number[i]))
            .collect();
        ids.sort_by_key(|e| (e.prefix, e.len));
        let mut id_bytes = Vec::with_capacity(ids.len() * ID_SIZE);
        for e in &ids {
            e.encode(&mut id_bytes);
        }
        self.loose.sort_unstable();
        let mut loose = Vec::with_capacity(self.loose.len() * LOOSE_SIZE);
        for (h, o) in &self.loose {
            loose.extend_from_slice(&h.to_le_bytes());
            loose.extend_from_slice(&o.to_le_bytes());
        }
        let mut damaged = Vec::new();
        for d in &self.damaged {
            damaged.extend_from_slice(&(d.line as u64).to_le_bytes());
            damaged.extend_from_slice(&(d.reason.len() as u32).to_le_bytes());
            damaged.extend_from_slice(d.reason.as_bytes());
        }
        let keys_at = HEADER_SIZE as u64;
        let runs_at = keys_at + keys.len() as u64;
        let lists_at = runs_at + global.len() as u64;
        let ids_at = lists_at + lists.len() as u64;
        let loose_at = ids_at + id_bytes.len() as u64;
        let damaged_at = loose_at + loose.len() as u64;
        let mut header = Header {
            log_start: self.log_start,
            log_end,
            lines: self.lines,
            identity,
            runs: u64::from(alive),
            keys: n_keys,
            loose: self.loose.len() as u64,
            damaged: self.damaged.len() as u64,
            damaged_total: self.damaged_total,
            keys_at,
            runs_at,
            lists_at,
            ids_at,
            loose_at,
            damaged_at,
            len: damaged_at + damaged.len() as u64,
            checksum: 0,
        };
        header.checksum = header.sum(&keys, &loose, &damaged);
        [
            header.encode(),
            keys,
            global,
            lists,
            id_bytes,
            loose,
            damaged,
        ]
        .concat()
    }
}

/// Keys without runs (every start of theirs replaced) are not listed:
/// the run table's key numbers skip them.
fn renumber_keys(global: &mut [u8], per_key: &[Vec<Entry>]) {
    let mut listed = vec![0u32; per_key.len()];
    let mut n = 0;
    for (i, entries) in per_key.iter().enumerate() {
        listed[i] = n;
        if !entries.is_empty() {
            n += 1;
        }
    }
    for chunk in global.chunks_exact_mut(GLOBAL_SIZE) {
        let k = u32_at(chunk, ENTRY_SIZE) as usize;
        chunk[ENTRY_SIZE..].copy_from_slice(&listed[k].to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(run: &str, release: &str) -> String {
        format!(
            r#"{{"schema":1,"run":"{run}","time":"t","type":"runStarted","user":"u","host":"h","pid":1,"kubeContext":null,"kubeServer":null,"namespace":"n","release":"{release}","operation":"upgrade","chartName":"c","chartVersion":"1","repository":"r","chartPath":"p","fromRev":null,"fromSha":null,"toRev":"HEAD","toSha":null,"worktree":false,"worktreeHash":null,"helmVersion":"v3","args":[],"timeline":[]}}"#
        )
    }

    fn end(run: &str) -> String {
        format!(
            r#"{{"schema":1,"run":"{run}","time":"t","type":"runEnded","helmExit":0,"interrupted":false,"releaseRevision":null,"releaseStatus":null,"hooks":[]}}"#
        )
    }

    fn build(lines: &[String]) -> (Header, Vec<u8>) {
        let mut b = Builder::new(0);
        let mut at = 0u64;
        for l in lines {
            b.line(at, l.as_bytes());
            at += l.len() as u64 + 1;
        }
        let bytes = b.finish(at, Identity::default());
        (Header::decode(&bytes).unwrap(), bytes)
    }

    #[test]
    fn a_segment_lists_runs_by_release_and_id() {
        let lines = vec![
            start("a", "web"),
            start("b", "api"),
            end("a"),
            "garbage".to_string(),
            end("b"),
            start("c", "web"),
            end("a"),
        ];
        let (h, bytes) = build(&lines);
        assert_eq!((h.runs, h.keys, h.lines, h.damaged_total), (3, 2, 7, 1));
        let keys = Keys::decode(
            bytes[h.keys_at as usize..h.runs_at as usize].to_vec(),
            h.keys,
        )
        .unwrap();
        assert_eq!(keys.name(0), Some("api"));
        let (web_at, web_len) = keys.find("web").unwrap();
        assert_eq!((keys.name(1), web_len), (Some("web"), 2));
        let web: Vec<Entry> = (0..2)
            .map(|i| {
                let at = h.lists_at as usize + (web_at as usize + i) * ENTRY_SIZE;
                Entry::decode(&bytes[at..])
            })
            .collect();
        let off = |i: usize| lines[..i].iter().map(|l| l.len() as u64 + 1).sum::<u64>();
        assert_eq!(web[0].start, 0);
        assert_eq!(web[0].stop, off(2));
        assert!(web[0].has_end());
        assert_eq!((web[1].start, web[1].has_end()), (off(5), false));
        // The second end of `a` came after it ended: loose.
        let loose = decode_loose(&bytes[h.loose_at as usize..h.damaged_at as usize]);
        assert_eq!(loose, [(fnv64(b"a"), off(6))]);
        let ids: Vec<IdEntry> = (0..3)
            .map(|i| IdEntry::decode(&bytes[h.ids_at as usize + i * ID_SIZE..]))
            .collect();
        assert_eq!((&ids[1].prefix[..1], ids[1].len), (&b"b"[..], 1));
        let (entry, key) =
            decode_global(&bytes[h.runs_at as usize + ids[1].run as usize * GLOBAL_SIZE..]);
        assert_eq!((entry.start, key), (off(1), 0));
        let damaged =
            decode_damaged(&bytes[h.damaged_at as usize..h.len as usize], h.damaged).unwrap();
        assert_eq!(damaged[0].line, 4);
        assert_eq!(
            h.checksum,
            h.sum(
                &bytes[h.keys_at as usize..h.runs_at as usize],
                &bytes[h.loose_at as usize..h.damaged_at as usize],
                &bytes[h.damaged_at as usize..h.len as usize]
            )
        );
    }

    #[test]
    fn a_run_id_started_twice_is_its_newest_start() {
        let (h, bytes) = build(&[
            start("a", "web"),
            end("a"),
            start("a", "web"),
            start("x", "web"),
        ]);
        assert_eq!(h.runs, 2);
        let (first, _) = decode_global(&bytes[h.runs_at as usize..]);
        assert!(first.start > 0 && !first.has_end());
    }

    #[test]
    fn a_checksum_of_parts_is_that_of_the_parts_joined() {
        let bytes: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
        for cuts in [
            vec![],
            vec![0],
            vec![3],
            vec![8, 9],
            vec![1, 2, 3, 4, 5, 100],
            vec![199, 200],
        ] {
            let mut parts = Vec::new();
            let mut at = 0;
            for c in cuts {
                parts.push(&bytes[at..c]);
                at = c;
            }
            parts.push(&bytes[at..]);
            assert_eq!(checksum_of_parts(&parts), checksum(&bytes), "{parts:?}");
        }
    }
}

//! Arguments, environment, clocks, randomness, `poll_oneoff`, process exit
//! and the socket functions (which, as in Wasmtime, have no sockets to
//! work on).

use crate::abi::{self, clockid, eventtype};
use crate::errno::{Errno, WasiResult};
use crate::memory::Cx;
use crate::table::Descriptor;

/// Writes a list of strings the way `args_get`/`environ_get` return them:
/// an array of pointers at `ptrs` into NUL-terminated strings at `buf`.
fn write_strings<T>(
    cx: &mut Cx<'_, '_, T>,
    strings: &[Vec<u8>],
    ptrs: u32,
    buf: u32,
) -> WasiResult<()> {
    let count = u32::try_from(strings.len()).map_err(|_| Errno::Overflow)?;
    let total: usize = strings.iter().map(|s| s.len() + 1).sum();
    let total = u32::try_from(total).map_err(|_| Errno::Overflow)?;
    cx.check(ptrs, count.checked_mul(4).ok_or(Errno::Overflow)?)?;
    cx.check(buf, total)?;
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        cx.write_u32(ptrs + 4 * i as u32, at)?;
        cx.write(at, s)?;
        cx.write(at + s.len() as u32, &[0])?;
        at += s.len() as u32 + 1;
    }
    Ok(())
}

/// Writes the count and total size (with NULs) of a list of strings.
fn write_sizes<T>(
    cx: &mut Cx<'_, '_, T>,
    strings: &[Vec<u8>],
    count: u32,
    size: u32,
) -> WasiResult<()> {
    let n = u32::try_from(strings.len()).map_err(|_| Errno::Overflow)?;
    let total: usize = strings.iter().map(|s| s.len() + 1).sum();
    let total = u32::try_from(total).map_err(|_| Errno::Overflow)?;
    cx.check(count, 4)?;
    cx.check(size, 4)?;
    cx.write_u32(count, n)?;
    cx.write_u32(size, total)
}

fn args<T>(cx: &mut Cx<'_, '_, T>) -> Vec<Vec<u8>> {
    cx.ctx()
        .args
        .iter()
        .map(|a| a.as_bytes().to_vec())
        .collect()
}

fn environ<T>(cx: &mut Cx<'_, '_, T>) -> Vec<Vec<u8>> {
    cx.ctx()
        .env
        .iter()
        .map(|(k, v)| format!("{k}={v}").into_bytes())
        .collect()
}

pub(crate) fn args_get<T>(cx: &mut Cx<'_, '_, T>, argv: u32, buf: u32) -> WasiResult<()> {
    let a = args(cx);
    write_strings(cx, &a, argv, buf)
}

pub(crate) fn args_sizes_get<T>(cx: &mut Cx<'_, '_, T>, count: u32, size: u32) -> WasiResult<()> {
    let a = args(cx);
    write_sizes(cx, &a, count, size)
}

pub(crate) fn environ_get<T>(cx: &mut Cx<'_, '_, T>, env: u32, buf: u32) -> WasiResult<()> {
    let e = environ(cx);
    write_strings(cx, &e, env, buf)
}

pub(crate) fn environ_sizes_get<T>(
    cx: &mut Cx<'_, '_, T>,
    count: u32,
    size: u32,
) -> WasiResult<()> {
    let e = environ(cx);
    write_sizes(cx, &e, count, size)
}

/// Nanoseconds of a duration, saturating.
fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// `EBADF` for the CPU-time clocks (which Wasmtime does not provide),
/// `EINVAL` for unknown clock ids.
fn check_clock(id: u32) -> WasiResult<()> {
    match id {
        clockid::REALTIME | clockid::MONOTONIC => Ok(()),
        clockid::PROCESS_CPUTIME | clockid::THREAD_CPUTIME => Err(Errno::Badf),
        _ => Err(Errno::Inval),
    }
}

pub(crate) fn clock_res_get<T>(cx: &mut Cx<'_, '_, T>, id: u32, out: u32) -> WasiResult<()> {
    check_clock(id)?;
    let res = if id == clockid::REALTIME {
        nanos(cx.ctx().wall.resolution())
    } else {
        cx.ctx().monotonic.resolution()
    };
    cx.write_u64(out, res)
}

pub(crate) fn clock_time_get<T>(cx: &mut Cx<'_, '_, T>, id: u32, out: u32) -> WasiResult<()> {
    check_clock(id)?;
    let now = if id == clockid::REALTIME {
        nanos(cx.ctx().wall.now())
    } else {
        cx.ctx().monotonic.now()
    };
    cx.write_u64(out, now)
}

pub(crate) fn random_get<T>(cx: &mut Cx<'_, '_, T>, buf: u32, len: u32) -> WasiResult<()> {
    cx.check(buf, len)?;
    let mut bytes = vec![0u8; len as usize];
    cx.ctx().random.fill(&mut bytes)?;
    cx.write(buf, &bytes)
}

/// `proc_raise`: signals are not supported (`ENOTSUP`, as Wasmtime).
pub(crate) fn proc_raise(sig: u32) -> WasiResult<()> {
    if sig >= abi::SIGNAL_COUNT {
        return Err(Errno::Inval);
    }
    Err(Errno::Notsup)
}

/// The socket functions: `EBADF` for a closed descriptor, else `ENOTSOCK`
/// (there are no sockets; as Wasmtime).
pub(crate) fn sock<T>(cx: &mut Cx<'_, '_, T>, fd: u32) -> WasiResult<()> {
    cx.ctx().table.get(fd)?;
    Err(Errno::Notsock)
}

/// One decoded `subscription`.
struct Subscription {
    userdata: u64,
    kind: SubKind,
}

enum SubKind {
    /// A clock reaching `deadline` on the monotonic clock.
    Clock { deadline: u64 },
    /// A descriptor ready to read or write, with `nbytes` to report.
    Fd {
        event: u8,
        nbytes: u64,
        hangup: bool,
    },
}

/// Decodes subscription `i` of the array at `subs`.
fn subscription<T>(cx: &mut Cx<'_, '_, T>, subs: u32, i: u32) -> WasiResult<Subscription> {
    let at = subs + i * abi::SUBSCRIPTION_SIZE;
    let userdata = cx.read_u64(at)?;
    let tag = cx.read_u8(at + 8)?;
    let kind = match tag {
        eventtype::CLOCK => {
            let id = cx.read_u32(at + 16)?;
            let timeout = cx.read_u64(at + 24)?;
            let flags = cx.read_u16(at + 40)?;
            let absolute = flags & abi::SUBSCRIPTION_CLOCK_ABSTIME != 0;
            let now = cx.ctx().monotonic.now();
            let deadline = match id {
                clockid::MONOTONIC if absolute => timeout,
                clockid::MONOTONIC | clockid::REALTIME if !absolute => now.saturating_add(timeout),
                clockid::REALTIME => {
                    let wall = nanos(cx.ctx().wall.now());
                    now.saturating_add(timeout.saturating_sub(wall))
                }
                _ => return Err(Errno::Inval),
            };
            SubKind::Clock { deadline }
        }
        eventtype::FD_READ | eventtype::FD_WRITE => {
            let fd = cx.read_u32(at + 16)?;
            let (nbytes, hangup) = match (tag, cx.ctx().table.get(fd)?) {
                (eventtype::FD_READ, Descriptor::Stdin(_)) => (1, false),
                (eventtype::FD_WRITE, Descriptor::Stdout(_) | Descriptor::Stderr(_)) => (1, false),
                (eventtype::FD_READ, Descriptor::File(f)) => {
                    let size = f.file.metadata()?.len();
                    let left = size.saturating_sub(f.position);
                    (left, left == 0)
                }
                (_, Descriptor::File(_)) => (1, false),
                _ => return Err(Errno::Badf),
            };
            SubKind::Fd {
                event: tag,
                nbytes,
                hangup,
            }
        }
        _ => return Err(Errno::Inval),
    };
    Ok(Subscription { userdata, kind })
}

/// `poll_oneoff`: descriptors are always ready (files and the standard
/// streams never report "would block"); otherwise it sleeps until the
/// earliest clock subscription and reports every clock that has expired.
pub(crate) fn poll_oneoff<T>(
    cx: &mut Cx<'_, '_, T>,
    subs: u32,
    events: u32,
    count: u32,
    nevents: u32,
) -> WasiResult<()> {
    if count == 0 {
        return Err(Errno::Inval);
    }
    cx.check(
        subs,
        count
            .checked_mul(abi::SUBSCRIPTION_SIZE)
            .ok_or(Errno::Fault)?,
    )?;
    cx.check(
        events,
        count.checked_mul(abi::EVENT_SIZE).ok_or(Errno::Fault)?,
    )?;
    cx.check(nevents, 4)?;
    let subs: Vec<Subscription> = (0..count)
        .map(|i| subscription(cx, subs, i))
        .collect::<WasiResult<_>>()?;

    let any_fd = subs.iter().any(|s| matches!(s.kind, SubKind::Fd { .. }));
    let mut now = cx.ctx().monotonic.now();
    if !any_fd {
        let earliest = subs
            .iter()
            .filter_map(|s| match s.kind {
                SubKind::Clock { deadline } => Some(deadline),
                SubKind::Fd { .. } => None,
            })
            .min()
            .unwrap_or(now);
        if earliest > now {
            cx.ctx().monotonic.sleep(earliest - now);
        }
        // The earliest deadline has passed now, even by a test clock that
        // does not advance while sleeping.
        now = cx.ctx().monotonic.now().max(earliest);
    }
    let mut n = 0u32;
    for s in &subs {
        let mut ev = [0u8; abi::EVENT_SIZE as usize];
        ev[0..8].copy_from_slice(&s.userdata.to_le_bytes());
        match s.kind {
            SubKind::Clock { deadline } => {
                if deadline > now {
                    continue;
                }
                ev[10] = eventtype::CLOCK;
            }
            SubKind::Fd {
                event,
                nbytes,
                hangup,
            } => {
                ev[10] = event;
                ev[16..24].copy_from_slice(&nbytes.to_le_bytes());
                if hangup {
                    ev[24..26].copy_from_slice(&abi::FD_READWRITE_HANGUP.to_le_bytes());
                }
            }
        }
        cx.write(events + n * abi::EVENT_SIZE, &ev)?;
        n += 1;
    }
    cx.write_u32(nevents, n)
}

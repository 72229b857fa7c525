//! Each process's CPU time during a run, from Linux's `/proc`: the database's, the server's,
//! Redis' and the load generator's own. On a machine whose cores they share, a drive's orders
//! per second are bounded by what an order costs in CPU across all of them, so a report gives
//! that cost beside its rates. Elsewhere (no `/proc`) there is nothing to read and the report
//! says nothing of it.

use std::collections::HashMap;
use std::time::Duration;

/// The processes counted, by the name the kernel gives them (`comm`), and their label.
const NAMED: [(&str, &str); 4] =
    [("mariadbd", "MariaDB"), ("mysqld", "MySQL"), ("meiduo", "server"), ("redis-server", "Redis")];
/// The label of the load generator itself.
const SELF: &str = "load generator";
/// The unit of `/proc/<pid>/stat`'s times (`USER_HZ`, 100 on Linux whatever the kernel's tick).
const TICKS_PER_SECOND: u64 = 100;

/// The CPU time the counted processes had used at one moment, in ticks, by process.
#[derive(Debug, Clone, Default)]
pub struct CpuTimes(HashMap<u32, (&'static str, u64)>);

impl CpuTimes {
    /// Reads the counted processes' times now.
    pub fn read() -> CpuTimes {
        let mut times = HashMap::new();
        let own = std::process::id();
        if let Some(ticks) = ticks_of(own) {
            times.insert(own, (SELF, ticks));
        }
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return CpuTimes(times);
        };
        for pid in entries.flatten().filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok()) {
            if pid == own {
                continue;
            }
            let Ok(comm) = std::fs::read_to_string(format!("/proc/{pid}/comm")) else {
                continue;
            };
            let Some((_, label)) = NAMED.iter().find(|(name, _)| *name == comm.trim_end()) else {
                continue;
            };
            if let Some(ticks) = ticks_of(pid) {
                times.insert(pid, (label, ticks));
            }
        }
        CpuTimes(times)
    }

    /// The CPU time each label's processes used since `earlier` (those alive at both reads),
    /// largest first.
    pub fn since(&self, earlier: &CpuTimes) -> Vec<(&'static str, Duration)> {
        let mut spent: HashMap<&'static str, u64> = HashMap::new();
        for (pid, (label, ticks)) in &self.0 {
            if let Some((_, before)) = earlier.0.get(pid) {
                *spent.entry(label).or_default() += ticks.saturating_sub(*before);
            }
        }
        let mut spent: Vec<(&'static str, Duration)> = spent
            .into_iter()
            .map(|(label, ticks)| (label, Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)))
            .collect();
        spent.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        spent
    }
}

/// User and system time of a process, in ticks (fields 14 and 15 of its `stat`, counted after
/// the command's parenthesis, which may hold spaces).
fn ticks_of(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    // After the command: state (3), ..., utime (14), stime (15).
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn the_load_generators_own_work_is_counted() {
        let before = CpuTimes::read();
        let started = Instant::now();
        let mut x = 0u64;
        while started.elapsed() < Duration::from_millis(300) {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
        let spent = CpuTimes::read().since(&before);
        let own = spent.iter().find(|(label, _)| *label == SELF).map(|(_, spent)| *spent);
        let own = own.expect("the load generator's own time is read");
        assert!(
            own >= Duration::from_millis(200) && own <= Duration::from_millis(2_000),
            "300 ms of spinning counted as {own:?}"
        );
    }

    #[test]
    fn only_processes_alive_at_both_reads_count() {
        let earlier = CpuTimes(HashMap::from([(1, ("server", 500)), (2, ("Redis", 100))]));
        let later = CpuTimes(HashMap::from([
            (1, ("server", 650)),
            (3, ("Redis", 9_000)),
            (4, ("server", 7)),
        ]));
        assert_eq!(later.since(&earlier), vec![("server", Duration::from_millis(1_500))]);
    }
}

#!/usr/bin/env python3
"""Reliability figures of the installed binary under storms, written to docs/reliability.md.

Not timings: counts of what must never happen, so they hold on a loaded machine too.
- Bursts: many first runs of one delay-checker check at once, on a fresh store and on a store the
  previous release wrote (the upgrade fixture): how many failed open (no run history) and how many
  increments were lost (the streaks reported must be 1..N, each once).
- Single flight: a storm of interval-checker runs after expiry while the check is slow, with a
  --timeout shorter than the check: how many times the inner command ran (1 is right) and what the
  waiters reported.
- Timeout bound: a check that starts 1,000 children ignoring SIGTERM, under --timeout T: how long
  after T the wrapper returned (the docs promise at most T+1 s), and how many children outlived it.

Usage: bench/reliability.py --bin build/test-prefix/lib/metacheck/bin [--out docs/reliability.md]
"""
import argparse, datetime, os, platform, re, shutil, sqlite3, subprocess, sys, tempfile, threading, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(REPO, "tests", "MetaCheck.Tests", "Fixtures", "upgrade-99f2aac", "state")


def environment(bin_dir, state_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("MACKEREL_PLUGIN_WORKDIR", "METACHECK_STATE_DIR")}
    env["PATH"] = f"{bin_dir}:{env.get('PATH', '')}"
    env["METACHECK_STATE_DIR"] = state_dir
    return env


def storm(commands, env, concurrency):
    """Runs every argv of `commands`, at most `concurrency` at a time; returns (exit, stdout, stderr) each."""
    results = [None] * len(commands)
    slots = threading.Semaphore(concurrency)

    def one(i):
        try:
            p = subprocess.run(commands[i], env=env, capture_output=True, text=True, timeout=600)
            results[i] = (p.returncode, p.stdout, p.stderr)
        finally:
            slots.release()

    threads = []
    for i in range(len(commands)):
        slots.acquire()
        t = threading.Thread(target=one, args=(i,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    return results


def burst(bin_dir, runs, concurrency, store):
    """store: "fresh", "upgraded" (the previous release's fixture) or "read" (another process holds a read snapshot)."""
    with tempfile.TemporaryDirectory(prefix="metacheck-reliability-") as tmp:
        state = os.path.join(tmp, "state")
        env = environment(bin_dir, state)
        reader = None
        if store == "upgraded":
            shutil.copytree(FIXTURE, state)
        elif store == "read":
            subprocess.run(["delay-checker", "--", "true"], env=env, capture_output=True)
            reader = sqlite3.connect(os.path.join(state, "metacheck.db"), isolation_level=None)
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM sqlite_master").fetchall()
        argv = ["delay-checker", "-c", "1000000", "--identifier", "burst", "--", "false"]
        results = storm([argv] * runs, env, concurrency)
        if reader:
            reader.close()
        failed_open = sum(1 for rc, out, err in results if rc != 0 or "no run history" in out)
        streaks = [int(m.group(1)) for rc, out, err in results if (m := re.match(r"DelayWarn\((\d+)/", out))]
        # Recorded runs whose count is missing or repeated: an update lost (a run that failed open recorded nothing).
        lost = len(streaks) - len(set(streaks) & set(range(1, len(streaks) + 1)))
        return failed_open, lost


def single_flight(bin_dir, runs, check_seconds, timeout):
    with tempfile.TemporaryDirectory(prefix="metacheck-reliability-") as tmp:
        env = environment(bin_dir, os.path.join(tmp, "state"))
        count = os.path.join(tmp, "count")
        inner = ["sh", "-c", f"echo x >> {count}; sleep {check_seconds}; echo OK: slow"]
        argv = ["interval-checker", "--interval", "300", "--timeout", str(timeout), "--", *inner]
        results = storm([argv] * runs, env, runs)
        with open(count) as f:
            executions = len(f.read().splitlines())
        ran = sum(1 for rc, out, err in results if out == "OK: slow\n")
        stale = sum(1 for rc, out, err in results if "stale" in out)
        unknown = sum(1 for rc, out, err in results if "is still running in another run" in out)
        return executions, ran, stale, unknown


def timeout_bound(bin_dir, timeout, children, cgroup):
    """Seconds past `timeout` the wrapper took, and how many of the command's children outlived it."""
    marker = "1234.5"  # a sleep only this run starts: survivors are found by it and ended by PID
    with tempfile.TemporaryDirectory(prefix="metacheck-reliability-") as tmp:
        env = environment(bin_dir, os.path.join(tmp, "state"))
        env["METACHECK_CGROUP"] = "1" if cgroup else "0"
        script = f"for i in $(seq {children}); do (trap '' TERM; exec sleep {marker}) & done; wait"
        start = time.monotonic()
        subprocess.run(["delay-checker", "--timeout", str(timeout), "--", "sh", "-c", script], env=env, capture_output=True)
        over = time.monotonic() - start - timeout
        survivors = subprocess.run(["pgrep", "-x", "-f", f"sleep {marker}"], capture_output=True, text=True).stdout.split()
        for pid in survivors:
            subprocess.run(["kill", "-KILL", pid], capture_output=True)
        return over, len(survivors)


def cgroup_possible():
    """Whether this process may make a cgroup v2 below its own (what METACHECK_CGROUP=1 needs)."""
    try:
        relative = next(l[3:].strip() for l in open("/proc/self/cgroup") if l.startswith("0::"))
        mounts = [l.split()[4] for l in open("/proc/self/mountinfo") if " - cgroup2 " in l]
    except (OSError, StopIteration):
        return False
    for mount in mounts:
        probe = os.path.join(mount + relative.rstrip("/"), f"metacheck-reliability-{os.getpid()}")
        try:
            os.mkdir(probe)  # the root cgroup has no cgroup.kill of its own: a child shows whether the kernel has it
            try:
                if os.path.exists(os.path.join(probe, "cgroup.kill")):
                    return True
            finally:
                os.rmdir(probe)
        except OSError:
            pass
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="PREFIX/lib/metacheck/bin of an installed metacheck")
    parser.add_argument("--out", default=os.path.join(REPO, "docs", "reliability.md"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bin_dir = os.path.abspath(args.bin)

    lines = ["# Reliability under storms", "",
             f"Generated by `bench/reliability.py` on {datetime.date.today()} ({platform.machine()}, "
             f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.0f} at the start). Counts, not timings (the timeout bound aside): each must be",
             "the same on any machine. See [state-store.md](state-store.md) and [interval-checker.md](interval-checker.md).", "",
             "## Bursts of first runs (delay-checker, one check)", "",
             "| store | runs | at once | rounds | failed open | lost increments |", "|---|---|---|---|---|---|"]
    stores = {"fresh": "new", "upgraded": "written by the previous release (99f2aac)",
              "read": "new, another process holding a read snapshot throughout"}
    for store, described in stores.items():
        runs, concurrency = 500, 200
        failed = lost = 0
        for _ in range(args.rounds):
            f, l = burst(bin_dir, runs, concurrency, store)
            failed, lost = failed + f, lost + l
            print(f"burst {store}: failed open {f}, lost {l}", file=sys.stderr)
        lines.append(f"| {described} | {runs} | {concurrency} | {args.rounds} | {failed} of {runs * args.rounds} | {lost} |")

    lines += ["", "## Single flight (interval-checker, a storm of runs after expiry)", "",
              "| runs at once | check takes | --timeout (every run) | inner runs | waiters: last result marked stale | waiters: UNKNOWN, still running, no result yet |",
              "|---|---|---|---|---|---|"]
    for runs, check_seconds, timeout in ((100, 0.5, 1), (200, 0.5, 1), (50, 7, 5)):
        executions, ran, stale, unknown = single_flight(bin_dir, runs, check_seconds, timeout)
        print(f"single flight {runs}x: executions {executions}, stale {stale}, unknown {unknown}", file=sys.stderr)
        lines.append(f"| {runs} | {check_seconds} s | {timeout} s | {executions} | {stale} | {unknown} |")
    lines += ["", "A waiter whose --timeout passes while another run still runs the check never runs it too: it reports",
              "the last result marked stale, or UNKNOWN when there is none (here: the check's first run). In the 7 s",
              "row the running run's own --timeout kills the check at 5 s; waiters that get the lock after it replay that result.", ""]

    lines += ["## Timeout bound (delay-checker --timeout 3, a check with 1,000 children that ignore SIGTERM)", "",
              "This one is a time: the docs promise the wrapper returns at most 1 s after --timeout (SIGTERM, then",
              "SIGKILL 0.5 s later to the group, the escapees and, with METACHECK_CGROUP=1, the cgroup).", "",
              "| METACHECK_CGROUP | rounds | most seconds past --timeout | children that outlived the wrapper |", "|---|---|---|---|"]
    for cgroup in (False, True):
        if cgroup and not cgroup_possible():
            lines.append("| 1 | - | no cgroup v2 this process may write here | - |")
            continue
        worst, survived = 0.0, 0
        for _ in range(args.rounds):
            over, left = timeout_bound(bin_dir, 3, 1000, cgroup)
            worst, survived = max(worst, over), survived + left
            print(f"timeout bound cgroup={cgroup}: {over:.2f} s past, {left} left", file=sys.stderr)
        lines.append(f"| {1 if cgroup else 0} | {args.rounds} | {worst:.2f} | {survived} |")
    lines.append("")
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

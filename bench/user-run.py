#!/usr/bin/env python3
"""Conveyor's throughput as a user meets it: a fresh `./conveyor dev`, no warm-up, jobs from an HTTP client outside the JVMs.

Creates a database of its own on the PostgreSQL server (psql -h HOST -U USER, trust auth), starts `./conveyor dev` on
it, posts --jobs noop jobs per run (POST /jobs/batch of --batch, from --threads client threads) and times each run
until the ledger counts them all SUCCEEDED. The first run is what a user who just started dev sees; the later runs on
the same dev are the warm figure. For each run it prints jobs/s, then per second of the run the jobs that succeeded
and the CPU of each process from /proc (dev's JVM: API, broker, supervisor; each worker JVM; PostgreSQL's processes,
every backend of the server), and of that the JVMs' JIT compiler threads ("jit") and GC threads ("gc").
Then it stops dev and drops the database. Standard library only; needs psql on the PATH and Linux's /proc.

  bench/user-run.py                       # 4 runs of 20,000 jobs on a fresh dev
  bench/user-run.py --runs 2 --json out.json
  JAVA_TOOL_OPTIONS=-XX:TieredStopAtLevel=1 bench/user-run.py   # every JVM of dev gets the option

docs/BENCHMARKS.md has the figures and how to read them.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICKS = os.sysconf("SC_CLK_TCK")
# Thread names as /proc shows them (15 characters): HotSpot's compiler threads and its GC threads.
JIT_THREADS = ("C1 CompilerThre", "C2 CompilerThre")
GC_THREADS = ("GC Thread", "G1 ")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=20_000, help="jobs per run")
    parser.add_argument("--batch", type=int, default=1_000, help="jobs per POST /jobs/batch")
    parser.add_argument("--threads", type=int, default=4, help="client threads posting batches")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-user", default="postgres")
    parser.add_argument("--api", default="http://localhost:8080")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the run's database at the end")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


class Ledger:
    """One psql session for the whole measurement, so polling costs a query and not a process start."""

    def __init__(self, host, user, db):
        self.psql = subprocess.Popen(["psql", "-h", host, "-U", user, "-d", db, "-X", "-q", "-A", "-t"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def query(self, sql):
        self.psql.stdin.write(sql + ";\n")
        self.psql.stdin.flush()
        return self.psql.stdout.readline().strip()

    def close(self):
        self.psql.stdin.close()
        self.psql.wait()


def psql_admin(host, user, sql):
    subprocess.run(["psql", "-h", host, "-U", user, "-X", "-q", "-c", sql], check=True)


def children(pid):
    """Direct child processes of pid, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def cpu_seconds(stat_path):
    with open(stat_path) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def jvm_cpu(pid):
    """(total, jit, gc) CPU seconds of a JVM so far."""
    total, jit, gc = cpu_seconds(f"/proc/{pid}/stat"), 0.0, 0.0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as comm:
                name = comm.read().strip()
            if name.startswith(JIT_THREADS):
                jit += cpu_seconds(f"/proc/{pid}/task/{tid}/stat")
            elif name.startswith(GC_THREADS):
                gc += cpu_seconds(f"/proc/{pid}/task/{tid}/stat")
        except OSError:
            pass  # a thread that ended meanwhile
    return total, jit, gc


def postgres_cpu():
    """CPU seconds of every PostgreSQL process on the machine so far (ended backends' CPU is not counted)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == "postgres":
                        total += cpu_seconds(f"/proc/{entry}/stat")
            except OSError:
                pass
    return total


def sample(dev_pid, worker_pids):
    jvms = {"dev": jvm_cpu(dev_pid)}
    for i, pid in enumerate(worker_pids, 1):
        try:
            jvms[f"worker{i}"] = jvm_cpu(pid)
        except OSError:
            jvms[f"worker{i}"] = (0.0, 0.0, 0.0)  # a worker that died: the run's figures say so
    return {"jvms": jvms, "postgres": postgres_cpu()}


def delta(later, earlier):
    jvms = {name: tuple(a - b for a, b in zip(later["jvms"][name], earlier["jvms"][name])) for name in later["jvms"]}
    return {"jvms": jvms, "postgres": later["postgres"] - earlier["postgres"]}


def start_dev(args, db, log_path):
    env = dict(os.environ, CONVEYOR_DB_URL=f"jdbc:postgresql://{args.db_host}:5432/{db}")
    log = open(log_path, "w")
    dev = subprocess.Popen([os.path.join(ROOT, "conveyor"), "dev"], cwd=ROOT, env=env, stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 600  # the first start may build the jar
    while time.time() < deadline:
        with open(log_path) as text:
            if "Conveyor dev is up" in text.read():
                return dev
        if dev.poll() is not None:
            sys.exit(f"dev exited with {dev.returncode}; see {log_path}")
        time.sleep(0.2)
    stop_dev(dev)
    sys.exit(f"dev did not come up within 600 s; see {log_path}")


def stop_dev(dev):
    os.killpg(dev.pid, signal.SIGTERM)  # dev's shutdown hook stops its workers
    try:
        dev.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(dev.pid, signal.SIGKILL)
        dev.wait()


def post_all(api, jobs, batch, threads):
    body = json.dumps([{"type": "noop"}] * batch).encode()
    batches = list(range(jobs // batch))
    lock = threading.Lock()
    failures, retries = [], []

    def client():
        while True:
            with lock:
                if not batches:
                    return
                batches.pop()
            while True:
                request = urllib.request.Request(api + "/jobs/batch", data=body, headers={"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        response.read()
                    break
                except urllib.error.HTTPError as e:
                    if e.code != 503:  # reported with the run, which then never completes: stop it
                        failures.append(repr(e))
                        return
                    # Overloaded (Kafka did not acknowledge in time): a user's client sends again after Retry-After.
                    # A 503 is "unknown", so the batch may now be in twice: the run waits for at least --jobs.
                    with lock:
                        retries.append(1)
                    time.sleep(float(e.headers.get("Retry-After") or 1))
                except Exception as e:
                    failures.append(repr(e))
                    return

    clients = [threading.Thread(target=client) for _ in range(threads)]
    for thread in clients:
        thread.start()
    return clients, failures, retries


def run(args, ledger, dev_pid, worker_pids):
    # Jobs of this run are the SUCCEEDED ones updated after the latest update before it (whatever the column's zone).
    since = ledger.query("select coalesce(max(updatedat)::text, '-infinity') from jobrunr_jobs")
    count_sql = f"select count(*) from jobrunr_jobs where state = 'SUCCEEDED' and updatedat > '{since}'"
    load_before = os.getloadavg()[0]
    before = sample(dev_pid, worker_pids)
    start = time.monotonic()
    clients, failures, retries = post_all(args.api, args.jobs, args.batch, args.threads)
    seconds, last_second, last_count, last_sample = [], start, 0, before
    while True:
        time.sleep(0.05)
        now = time.monotonic()
        done = int(ledger.query(count_sql))
        if now - last_second >= 1.0 or done >= args.jobs:
            current = sample(dev_pid, worker_pids)
            seconds.append({"seconds": round(now - last_second, 2), "succeeded": done - last_count,
                            **delta(current, last_sample)})
            last_second, last_count, last_sample = now, done, current
        if done >= args.jobs:
            break
        if failures or now - start > 600:
            sys.exit(f"run failed: {failures or 'not done within 600 s'}")
    elapsed = time.monotonic() - start
    for thread in clients:
        thread.join()
    return {"jobs_per_second": args.jobs / elapsed, "elapsed": elapsed, "per_second": seconds,
            "retried_503": len(retries), "load_before": load_before, "load_after": os.getloadavg()[0],
            "cpu": delta(last_sample, before)}


def print_run(number, result):
    cpu = result["cpu"]
    print(f"run {number}: {result['jobs_per_second']:,.0f} jobs/s ({result['elapsed']:.1f} s; "
          f"load average {result['load_before']:.1f} before, {result['load_after']:.1f} after"
          + (f"; {result['retried_503']} batches sent again after a 503" if result["retried_503"] else "") + ")")
    for name, (total, jit, gc) in cpu["jvms"].items():
        print(f"  cpu {name:8} {total:6.1f} s (jit {jit:5.1f}, gc {gc:4.1f})")
    print(f"  cpu postgres {cpu['postgres']:6.1f} s")
    print("  second  succeeded  " + "  ".join(f"{name:>14}" for name in cpu["jvms"]) + "  postgres   (cpu s: total/jit)")
    for i, second in enumerate(result["per_second"], 1):
        jvms = "  ".join(f"{total:6.2f}/{jit:5.2f}  " for total, jit, _ in second["jvms"].values())
        print(f"  {i:6}  {second['succeeded']:9}  {jvms}  {second['postgres']:6.2f}")


def main():
    args = parse_args()
    db = f"conveyor_user_run_{int(time.time())}"
    psql_admin(args.db_host, args.db_user, f"create database {db}")
    log_path = f"/tmp/{db}-dev.log"
    dev, ledger, results = None, None, []
    try:
        began = time.monotonic()
        dev = start_dev(args, db, log_path)
        worker_pids = sorted(children(dev.pid))
        print(f"dev up in {time.monotonic() - began:.1f} s (pid {dev.pid}, worker JVMs {worker_pids}, log {log_path})")
        ledger = Ledger(args.db_host, args.db_user, db)
        for number in range(1, args.runs + 1):
            result = run(args, ledger, dev.pid, worker_pids)
            results.append(result)
            print_run(number, result)
        rates = [r["jobs_per_second"] for r in results]
        if len(rates) > 1:
            print(f"first run {rates[0]:,.0f} jobs/s = {rates[0] / max(rates[1:]):.0%} of the best later run "
                  f"({max(rates[1:]):,.0f}); all: {', '.join(f'{r:,.0f}' for r in rates)}")
    finally:
        if ledger:
            ledger.close()
        if dev:
            stop_dev(dev)
        if not args.keep_db:
            psql_admin(args.db_host, args.db_user, f"drop database if exists {db}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"database": db, "java_tool_options": os.environ.get("JAVA_TOOL_OPTIONS"), "runs": results}, out, indent=1)


if __name__ == "__main__":
    main()

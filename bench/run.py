#!/usr/bin/env python3
"""run.py — winnow's benchmark. Prints figures, never pass/fail.

    bench/run.py [--build DIR] [--work DIR] [--articles N] [--outlets M] [--seed S]
                 [--repeat R] [--e2e N] [--sizes 10000,100000,1000000]
                 [--only clean,e2e,store,startup] [--json FILE]

1. `winnow clean` throughput on one core (taskset -c 0), best of R runs, on the
   generated corpus and on ../shared/eval/aeb-dev/input when it is there:
   MB/s (10^6 bytes of input per second of wall time) and articles/s.
2. winnowd end to end, durable: N articles renamed into incoming/, time until
   the last one is delivered (its line in events.jsonl); beside it bench/floor
   moving the same files through the same spool steps without cleaning; the
   ratio daemon/floor (in articles/s).
3. State store: peak RSS and store size against articles indexed -> bytes per
   article (needs bench/index_load, built once the dedup store exists).
4. Start-up time with the largest store of 3.

A part whose program is not built yet is reported as skipped with the reason.
The corpus is generated once into WORK/corpus-<params> and reused.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def log(msg=""):
    print(msg, flush=True)


def machine():
    cpu = "unknown cpu"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_mib": mem,
            "kernel": platform.release(), "python": platform.python_version()}


def build_options(build):
    try:
        with open(os.path.join(build, "meson-info", "intro-buildoptions.json")) as f:
            opts = {o["name"]: o["value"] for o in json.load(f)}
        return {"buildtype": opts.get("buildtype"), "b_sanitize": opts.get("b_sanitize"),
                "c_compiler": os.environ.get("CC", "cc")}
    except (OSError, ValueError, KeyError):
        return {}


def filesystem(path):
    try:
        out = subprocess.run(["df", "-T", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True).stdout.splitlines()
        return out[1].split()[1] if len(out) > 1 else "?"
    except OSError:
        return "?"


def one_core(cmd):
    return (["taskset", "-c", "0"] + cmd) if shutil.which("taskset") else cmd


def timed(cmd, stdout=subprocess.DEVNULL, stdin=None):
    """Run cmd; returns (wall s, user+sys s, peak RSS KiB, exit status)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, stdin=stdin)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode("utf-8", "replace")
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in (0, 1):
        raise RuntimeError("%s exited %d: %s" % (cmd[0], p.returncode, err[-400:]))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode


def chunks(files, limit=None):
    """Split a file list so each command line stays well under ARG_MAX."""
    limit = limit or max(65536, os.sysconf("SC_ARG_MAX") // 4)
    cur, size = [], 0
    for f in files:
        if cur and size + len(f) + 1 > limit:
            yield cur
            cur, size = [], 0
        cur.append(f)
        size += len(f) + 1
    if cur:
        yield cur


def ensure_corpus(work, n, m, seed):
    d = os.path.join(work, "corpus-%d-%d-%d" % (n, m, seed))
    manifest = os.path.join(d, "MANIFEST")
    sys.path.insert(0, HERE)
    import gen_corpus
    want = "generator=%d articles=%d outlets=%d seed=%d " % (gen_corpus.GENERATOR_VERSION, n, m, seed)
    try:
        with open(manifest) as f:
            if f.read().startswith(want):
                return d
    except OSError:
        pass
    shutil.rmtree(d, ignore_errors=True)
    t0 = time.perf_counter()
    gen_corpus.generate(d, n, m, seed)
    log("   (generated %d articles in %.1f s into %s)" % (n, time.perf_counter() - t0, d))
    return d


def corpus_files(d):
    out = []
    for outlet in sorted(os.listdir(d)):
        p = os.path.join(d, outlet)
        if os.path.isdir(p):
            out += [os.path.join(p, f) for f in sorted(os.listdir(p)) if f.endswith(".txt")]
    return out


def total_bytes(files):
    return sum(os.path.getsize(f) for f in files)


def warm(files):
    for f in files:
        with open(f, "rb") as fh:
            fh.read()


SCRATCH = []  # folders removed at exit, not between runs


def fresh_dir(base):
    """A folder name not used before in this run. Outputs never go into a folder
    just emptied: ext4 creates files far slower where many inodes were just
    freed, which would measure the file system's bookkeeping, not winnow."""
    k = len(SCRATCH)
    while os.path.exists("%s-%d" % (base, k)):
        k += 1
    d = "%s-%d" % (base, k)
    SCRATCH.append(d)
    return d


def clean_throughput(winnow, files, nbytes, outbase, repeat):
    """Best of `repeat` for the two output modes; returns a dict of figures."""
    res = {}
    for mode in ("files", "stdout"):
        best = None
        for _ in range(repeat):
            outdir = fresh_dir(outbase)
            wall = cpu = 0.0
            rss = 0
            for part in chunks(files):
                cmd = [winnow, "clean"] + (["-o", outdir] if mode == "files" else []) + part
                w, c, r, _ = timed(one_core(cmd))
                wall += w
                cpu += c
                rss = max(rss, r)
            if best is None or wall < best[0]:
                best = (wall, cpu, rss)
        wall, cpu, rss = best
        res[mode] = {"wall_s": round(wall, 4), "cpu_s": round(cpu, 4), "peak_rss_kib": rss,
                     "mb_per_s": round(nbytes / wall / 1e6, 2),
                     "mb_per_cpu_s": round(nbytes / cpu / 1e6, 2),
                     "articles_per_s": round(len(files) / wall, 1)}
    return res


def print_clean(label, n, nbytes, res):
    log("   %s: %d articles, %.1f MB" % (label, n, nbytes / 1e6))
    names = {"files": "-o DIR (two files each, not fsync'd)", "stdout": "bodies to stdout (/dev/null)"}
    for mode, r in res.items():
        log("     %-40s %7.2f MB/s %8.0f articles/s   (%.2f s wall; %.2f s CPU = %.2f MB/s; %d MiB peak RSS)"
            % (names[mode], r["mb_per_s"], r["articles_per_s"], r["wall_s"], r["cpu_s"],
               r["mb_per_cpu_s"], r["peak_rss_kib"] // 1024))


def print_phases(build, files):
    """CPU time per phase of the cleaning chain (bench/phases), one core."""
    phases = os.path.join(build, "bench", "phases")
    if not os.access(phases, os.X_OK):
        return None
    figs = None
    for part in chunks(files):  # one process per chunk: the index is per process
        r = subprocess.run(one_core([phases] + part), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        if r.returncode != 0:
            log("     phases: failed: %s" % r.stderr.strip()[-300:])
            return None
        f = json.loads(r.stdout.strip().splitlines()[-1])
        if figs is None:
            figs = f
        else:
            for k in f:
                if k.endswith("_s") or k in ("articles", "bytes", "failed"):
                    figs[k] += f[k]
    for k in [k[:-2] for k in figs if k.endswith("_s")]:
        figs[k + "_mb_per_s"] = round(figs["bytes"] / figs[k + "_s"] / 1e6, 1) if figs[k + "_s"] else 0
    log("     CPU by phase: " + ", ".join(
        "%s %.2f s (%.0f MB/s)" % (k, figs[k + "_s"], figs[k + "_mb_per_s"])
        for k in ("parse", "prepare", "index", "output")))
    return figs


def part_clean(a, build, work, corpus, files, report):
    winnow = os.path.join(build, "cli", "winnow")
    log("1. winnow clean, one core (taskset -c 0), best of %d" % a.repeat)
    if not os.access(winnow, os.X_OK):
        log("   skipped: %s not built" % winnow)
        return
    nbytes = total_bytes(files)
    warm(files)
    res = clean_throughput(winnow, files, nbytes, os.path.join(work, "out-clean"), a.repeat)
    print_clean("generated corpus (%s)" % os.path.basename(corpus), len(files), nbytes, res)
    report["clean_generated"] = dict(res, articles=len(files), bytes=nbytes)
    report["phases_generated"] = print_phases(build, files)

    aeb = os.environ.get("WN_AEB_DEV", os.path.join(ROOT, "..", "shared", "eval", "aeb-dev", "input"))
    if not os.path.isdir(aeb):
        log("   aeb-dev: skipped (%s not present)" % aeb)
        return
    pages = corpus_files(aeb)
    pbytes = total_bytes(pages)
    # The pages are few: they are copied several times under other names (same
    # outlet folders) so that each run lasts long enough to time.
    times = max(1, int(nbytes / max(pbytes, 1)))
    copies = fresh_dir(os.path.join(work, "aeb-copies"))
    many = []
    for k in range(times):
        for p in pages:
            site = os.path.basename(os.path.dirname(p))
            os.makedirs(os.path.join(copies, site), exist_ok=True)
            dst = os.path.join(copies, site, "%02d-%s" % (k, os.path.basename(p)))
            shutil.copyfile(p, dst)
            many.append(dst)
    warm(many)
    res = clean_throughput(winnow, many, pbytes * times, os.path.join(work, "out-aeb"), a.repeat)
    print_clean("aeb-dev pages (%d pages, %d copies of each)" % (len(pages), times),
                len(many), pbytes * times, res)
    report["phases_aeb_dev"] = print_phases(build, many)
    report["clean_aeb_dev"] = dict(res, articles=len(pages) * times, bytes=pbytes * times, pages=len(pages))


def fresh_spool(base):
    base = fresh_dir(base)
    for sub in ("incoming", "tmp", "work", "done", "failed"):
        os.makedirs(os.path.join(base, "spool", sub))
    return os.path.join(base, "spool"), os.path.join(base, "out")


def stage(spool, files):
    """Copy the inputs into spool/tmp/<outlet>/ (not timed); returns (tmp, incoming) pairs."""
    moves = []
    for f in files:
        outlet = os.path.basename(os.path.dirname(f))
        tdir = os.path.join(spool, "tmp", outlet)
        os.makedirs(tdir, exist_ok=True)
        os.makedirs(os.path.join(spool, "incoming", outlet), exist_ok=True)
        t = os.path.join(tdir, os.path.basename(f))
        shutil.copyfile(f, t)
        moves.append((t, os.path.join(spool, "incoming", outlet, os.path.basename(f))))
    os.sync()
    return moves


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except OSError:
        return 0


def stop_process(p):
    """SIGTERM, then SIGKILL if it is still there after 20 s."""
    p.terminate()
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def run_daemon(winnowd, base, files, durable=True, deadline_s=900):
    """Start winnowd on a fresh spool, rename the files in, wait for every event line."""
    spool, out = fresh_spool(base)
    moves = stage(spool, files)
    base = os.path.dirname(spool)
    state = os.path.join(base, "state.db")
    cmd = [winnowd, "--spool", spool, "--out", out, "--state", state,
           "--durable", "yes" if durable else "no", "--log-level", "notice"]
    logpath = os.path.join(base, "winnowd.log")
    errf = open(logpath, "wb")
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf)

    def ready():
        with open(logpath, "rb") as f:
            return b"notice: ready: " in f.read()
    try:
        # Ready once it logs so: its inotify watches are in place (poll, with a deadline).
        # Files renamed in earlier would be found by its first scan and wait `settle`.
        t_end = time.monotonic() + 30
        while not ready() and p.poll() is None and time.monotonic() < t_end:
            time.sleep(0.01)
        if p.poll() is not None or not ready():
            raise RuntimeError("winnowd did not start (see %s)" % errf.name)
        events = os.path.join(out, "events.jsonl")
        t0 = time.perf_counter()
        for src, dst in moves:
            os.rename(src, dst)
        t_end = time.monotonic() + deadline_s
        while count_lines(events) < len(files):
            if p.poll() is not None or time.monotonic() > t_end:
                raise RuntimeError("winnowd delivered %d of %d (see %s)"
                                   % (count_lines(events), len(files), errf.name))
            time.sleep(0.002)
        return time.perf_counter() - t0
    finally:
        stop_process(p)
        errf.close()


def run_floor(floor, base, files, durable=True):
    spool, out = fresh_spool(base)
    moves = stage(spool, files)
    t0 = time.perf_counter()
    for src, dst in moves:
        os.rename(src, dst)
    r = subprocess.run([floor] + ([] if durable else ["--no-fsync"]) + [spool, out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError("floor failed: " + r.stderr[-400:])
    return wall


def part_e2e(a, build, work, files, report):
    n = min(a.e2e, len(files))
    sel = files[:n]
    log("2. end to end, %d articles renamed into incoming/<outlet>/ (%s), best of %d"
        % (n, filesystem(work), a.repeat))
    floor = os.path.join(build, "bench", "floor")
    if not os.access(floor, os.X_OK):
        log("   skipped: %s not built" % floor)
        return
    winnowd = os.path.join(build, "daemon", "winnowd")
    have_daemon = os.access(winnowd, os.X_OK)
    if not have_daemon:
        log("   winnowd: skipped (%s not built yet)" % winnowd)
    base = os.path.join(work, "e2e")
    rows = {}
    for durable in (True, False):
        label = "durable" if durable else "not durable (no fsync)"
        fw = min(run_floor(floor, base, sel, durable) for _ in range(a.repeat))
        row = {"floor_s": round(fw, 4), "floor_articles_per_s": round(n / fw, 1)}
        line = "     %-24s floor %7.0f articles/s (%.2f s)" % (label, n / fw, fw)
        if have_daemon:
            dw = min(run_daemon(winnowd, base, sel, durable) for _ in range(a.repeat))
            row.update(winnowd_s=round(dw, 4), winnowd_articles_per_s=round(n / dw, 1),
                       ratio_to_floor=round(fw / dw, 3))
            line += "   winnowd %7.0f articles/s (%.2f s)   ratio daemon/floor %.2f" % (n / dw, dw, fw / dw)
        log(line)
        rows["durable" if durable else "not_durable"] = row
    report["e2e"] = dict(rows, articles=n)


def remove_store(db):
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(db + suffix)
        except FileNotFoundError:
            pass


def part_store(a, build, work, report):
    loader = os.path.join(build, "bench", "index_load")
    log("3. state store: peak RSS and size against articles indexed (bench/index_load)")
    if not os.access(loader, os.X_OK):
        log("   skipped: %s not built (needs the dedup store)" % loader)
        return None
    base = os.path.join(work, "store")
    os.makedirs(base, exist_ok=True)
    rows, largest = [], None
    for n in a.sizes:
        db = os.path.join(base, "state-%d.db" % n)
        remove_store(db)
        r = subprocess.run([loader, "--articles", str(n), db], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            log("   %d articles: index_load failed: %s" % (n, r.stderr.strip()[-300:]))
            continue
        fig = json.loads(r.stdout.strip().splitlines()[-1])
        # closed: the log is checkpointed into the database file
        size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
        fig["closed_store_bytes"] = size
        rows.append(fig)
        log("   %9d articles: %6.0f articles/s; peak RSS %6.1f MiB (%6.0f B/article above the empty"
            " store); store %7.1f MB closed (%5.0f B/article), %7.1f MB with its log before close"
            % (n, fig["articles_per_s"], fig["peak_rss_kib"] / 1024, fig["rss_per_article"],
               size / 1e6, size / n, fig["store_bytes"] / 1e6))
        if largest:
            remove_store(largest[1])
        largest = (n, db)
    report["store"] = rows
    return largest


def part_startup(a, build, largest, report):
    loader = os.path.join(build, "bench", "index_load")
    log("4. start-up with a full store (open it, one article through the index; warm page cache)")
    if largest is None:
        log("   skipped: no store from part 3")
        return
    n, db = largest
    best = None
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        r = subprocess.run([loader, "--open-only", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            log("   failed: %s" % r.stderr.strip()[-300:])
            return
        fig = json.loads(r.stdout.strip().splitlines()[-1])
        fig["process_s"] = round(wall, 4)
        if best is None or fig["process_s"] < best["process_s"]:
            best = fig
    log("   %d articles: open %.3f s, first article %.3f s, whole process %.3f s, peak RSS %.1f MiB"
        % (n, best["open_s"], best["first_article_s"], best["process_s"], best["peak_rss_kib"] / 1024))
    report["startup"] = dict(best, articles=n)
    winnowd = os.path.join(build, "daemon", "winnowd")
    if os.access(winnowd, os.X_OK):
        ready = min(winnowd_ready(winnowd, os.path.dirname(db), db) for _ in range(a.repeat))
        log("   winnowd with that store: 'ready:' logged %.3f s after exec" % ready)
        report["startup"]["winnowd_ready_s"] = round(ready, 4)
    remove_store(db)


def winnowd_ready(winnowd, work, db):
    """Seconds from starting winnowd on an empty spool with state `db` to its 'ready:' line."""
    base = fresh_dir(os.path.join(work, "startup"))
    os.makedirs(base)
    logpath = os.path.join(base, "winnowd.log")
    with open(logpath, "wb") as errf:
        t0 = time.perf_counter()
        p = subprocess.Popen([winnowd, "--spool", os.path.join(base, "spool"), "--out",
                              os.path.join(base, "out"), "--state", db, "--log-level", "notice"],
                             stdout=subprocess.DEVNULL, stderr=errf)
        try:
            t_end = time.monotonic() + 60
            while time.monotonic() < t_end and p.poll() is None:
                with open(logpath, "rb") as f:
                    if b"notice: ready: " in f.read():
                        return time.perf_counter() - t0
                time.sleep(0.002)
            raise RuntimeError("winnowd did not get ready (see %s)" % logpath)
        finally:
            stop_process(p)


def main(argv):
    ap = argparse.ArgumentParser(description="winnow benchmark (figures, not pass/fail)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default=None, help="scratch folder (default BUILD/bench-work)")
    ap.add_argument("--articles", type=int, default=4000)
    ap.add_argument("--outlets", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--e2e", type=int, default=2000, help="articles for part 2")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--only", default="clean,e2e,store,startup")
    ap.add_argument("--json", default=None, help="also write the figures to this file")
    a = ap.parse_args(argv)
    a.sizes = [int(x) for x in a.sizes.split(",") if x]
    parts = set(a.only.split(","))
    build = os.path.abspath(a.build)
    work = os.path.abspath(a.work or os.path.join(build, "bench-work"))
    os.makedirs(work, exist_ok=True)

    m = machine()
    bo = build_options(build)
    log("winnow bench, %s" % time.strftime("%Y-%m-%d %H:%M"))
    log("machine: %s, %d cores, %d MiB, Linux %s; build %s (%s, sanitize %s); work %s (%s)"
        % (m["cpu"], m["cores"], m["mem_mib"], m["kernel"], build, bo.get("buildtype", "?"),
           bo.get("b_sanitize", "?"), work, filesystem(work)))
    if bo.get("b_sanitize") not in (None, "none"):
        log("note: this build is sanitized; its figures are not representative")
    report = {"machine": m, "build": bo, "args": vars(a)}
    corpus = files = None
    if parts & {"clean", "e2e"}:
        corpus = ensure_corpus(work, a.articles, a.outlets, a.seed)
        files = corpus_files(corpus)
    if "clean" in parts:
        part_clean(a, build, work, corpus, files, report)
    if "e2e" in parts:
        part_e2e(a, build, work, files, report)
    largest = None
    if "store" in parts:
        largest = part_store(a, build, work, report)
    if "startup" in parts:
        part_startup(a, build, largest, report)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=2)
    for d in SCRATCH:
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

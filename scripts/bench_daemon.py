#!/usr/bin/env python3
"""Benchmarks sculptd (docs/benchmarks-daemon.md): idle RSS, the latency of a cached batch of
100 specs over loopback, and a kernel's median through the daemon against in process.

    swift build -c release --product sculptd && swift build -c release --product sculpt
    python3 scripts/bench_daemon.py --bin "$(swift build -c release --show-bin-path)"

Each daemon gets a fresh state directory and the default (DESIGN.md) measurement protocol.
"""
import argparse, http.client, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time


def start_daemon(binary, state_dir):
    log = open(os.path.join(state_dir, "sculptd.log"), "w+")
    process = subprocess.Popen([binary, "--port", "0", "--state-dir", state_dir], stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        log.seek(0)
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read())
        if match:
            return process, int(match.group(1))
        if process.poll() is not None:
            sys.exit("sculptd exited: " + open(log.name).read())
        time.sleep(0.05)
    sys.exit("sculptd did not start")


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def post_raw(connection, path, body):
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        sys.exit(f"POST {path}: {response.status} {data[:300]!r}")
    return data


def post(connection, path, body):
    return json.loads(post_raw(connection, path, body))


def spec(channels, size, kernel=3, threads=1):
    return {"op": "conv2d", "in_channels": channels, "out_channels": channels, "height": size, "width": size,
            "kernel": kernel, "stride": 1, "groups": 1, "pattern": {"family": "dense"}, "threads": threads}


def percentile(values, q):
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="folder with the sculptd and sculpt binaries")
    parser.add_argument("--requests", type=int, default=1000, help="cached batches to time")
    parser.add_argument("--repeats", type=int, default=3, help="daemon/in-process pairs per kernel")
    args = parser.parse_args()
    sculptd, sculpt = os.path.join(args.bin, "sculptd"), os.path.join(args.bin, "sculpt")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    work = tempfile.mkdtemp(prefix="sculptd-bench-")
    report = {}
    try:
        # 1. Idle RSS, then a cached batch of 100 specs.
        state = os.path.join(work, "state")
        os.makedirs(state)
        process, port = start_daemon(sculptd, state)
        time.sleep(2)
        report["idle_rss_mb_fresh"] = rss_mb(process.pid)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        batch = json.dumps({"specs": [spec(4 + c, s) for c in range(25) for s in (4, 6, 8, 10)]})
        start = time.time()
        first = post(connection, "/v1/measure", batch)
        report["prime_seconds"] = time.time() - start
        assert not any(r["cached"] for r in first["results"]) and len(first["results"]) == 100
        # The daemon's latency is the round trip to the response's last byte; parsing the
        # 115 kB answer in Python takes about as long again and is reported on its own.
        times, parse_times = [], []
        for _ in range(args.requests):
            start = time.perf_counter()
            data = post_raw(connection, "/v1/measure", batch)
            received = time.perf_counter()
            answer = json.loads(data)
            parse_times.append((time.perf_counter() - received) * 1000)
            times.append((received - start) * 1000)
            assert all(r["cached"] for r in answer["results"])
        report["cached_batch100_ms"] = {"p50": percentile(times, 0.5), "p90": percentile(times, 0.9),
                                        "p99": percentile(times, 0.99), "max": max(times), "requests": len(times),
                                        "response_bytes": len(data)}
        report["client_json_parse_ms"] = {"p50": percentile(parse_times, 0.5), "p99": percentile(parse_times, 0.99)}
        connection.close()
        time.sleep(2)
        report["idle_rss_mb_after_load"] = rss_mb(process.pid)
        stop(process)

        # 2. The same kernels through the daemon and in process, alternately, each on a fresh store.
        kernels = [spec(64, 56), spec(128, 28), spec(32, 56, kernel=1)]
        comparison = []
        for kernel in kernels:
            daemon_medians, local_medians = [], []
            for repeat in range(args.repeats):
                state = os.path.join(work, f"d{len(comparison)}-{repeat}")
                os.makedirs(state)
                process, port = start_daemon(sculptd, state)
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                daemon_medians.append(post(connection, "/v1/measure", json.dumps({"specs": [kernel]}))["results"][0]["median_ms"])
                connection.close()
                stop(process)
                specs_file = os.path.join(work, "spec.json")
                json.dump({"specs": [kernel]}, open(specs_file, "w"))
                out = subprocess.run([sculpt, "measure", specs_file, "--store", os.path.join(work, f"l{len(comparison)}-{repeat}.sqlite"),
                                      "--format", "json"], capture_output=True, text=True, check=True).stdout
                local_medians.append(json.loads(out)["results"][0]["median_ms"])
            d, l = statistics.median(daemon_medians), statistics.median(local_medians)
            comparison.append({"spec": f'{kernel["in_channels"]}->{kernel["out_channels"]}@{kernel["height"]} k{kernel["kernel"]}',
                               "daemon_ms": daemon_medians, "local_ms": local_medians,
                               "daemon_median_ms": d, "local_median_ms": l, "difference_pct": abs(d - l) / l * 100})
        report["daemon_vs_local"] = comparison
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
